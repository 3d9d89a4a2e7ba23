"""The one place where an order's status moves, always with an ``OrderEvent`` beside it."""

from typing import Any

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
) -> OrderEvent:
    """Move ``order`` to ``target`` and write its event.

    ``order`` comes from ``shop.locks.locked_order`` (its row locked, freshly read, in the
    open transaction), so two movers can't both pass the check. Raises ``IllegalTransition``,
    having written nothing, if the table in ``orders.status`` does not allow the move.
    """
    if not can_move(order.status, target):
        raise IllegalTransition(order, target)
    previous = order.status
    fields = {"status": target, **(extra_fields or {})}
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=[*fields.keys(), "updated_at"])
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        from_status=previous,
        to_status=target,
        message=message,
        actor=actor,
        data=data or {},
    )
