"""The one place where an order's status moves, always with an ``OrderEvent`` beside it."""

from typing import Any

from django.db import transaction

from orders.models import Order, OrderEvent
from orders.status import can_move


class IllegalTransition(Exception):
    def __init__(self, order: Order, target: str) -> None:
        super().__init__(f"Order {order.number} cannot move from {order.status} to {target}.")
        self.order = order
        self.target = target


def record(
    order: Order,
    kind: str,
    message: str = "",
    *,
    actor: str = "system",
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    """Write an event that does not change the status (email sent, carrier update, ...)."""
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        from_status=order.status,
        to_status=order.status,
        message=message,
        actor=actor,
        data=data or {},
    )


def move(
    order: Order,
    target: str,
    kind: str,
    message: str = "",
    *,
    actor: str = "system",
    data: dict[str, Any] | None = None,
    extra_fields: dict[str, Any] | None = None,
    locked: bool = False,
) -> OrderEvent:
    """Move ``order`` to ``target`` and write its event, atomically.

    The order row is locked and re-read first so two movers can't both pass the check; a
    caller that already holds the lock (``select_for_update`` in its open transaction) and
    passes that fresh ``order`` says ``locked=True`` and saves the re-read. Raises
    ``IllegalTransition`` if the table in ``orders.status`` does not allow the move (after
    leaving the block, having written nothing: a caller's transaction stays usable).
    """
    with transaction.atomic(savepoint=False):  # no nested savepoint: all or nothing anyway
        if locked:
            current = order
        else:
            current = Order.objects.select_for_update().get(pk=order.pk)
        allowed = can_move(current.status, target)
        if allowed:
            previous = current.status
            fields = {"status": target, **(extra_fields or {})}
            for name, value in fields.items():
                setattr(current, name, value)
                setattr(order, name, value)
            current.save(update_fields=[*fields.keys(), "updated_at"])
            order.updated_at = current.updated_at
            return OrderEvent.objects.create(
                order=current,
                kind=kind,
                from_status=previous,
                to_status=target,
                message=message,
                actor=actor,
                data=data or {},
            )
    raise IllegalTransition(current, target)
