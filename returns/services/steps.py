"""What a return's workflow does, one function per activity; each idempotent by the return's
number (a retried activity or a re-run workflow has the effect of one call).

Status moves happen under the order's row lock, then the return's (``shop.locks``): a move
that no longer applies (already made, or overtaken) writes nothing and answers the return's
current status, which the workflow reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

from orders import events, inventory
from orders.models import Order, OrderEvent
from returns.errors import ReturnRefused
from returns.models import ReturnCondition, ReturnRequest, ReturnStatus
from returns.services import refunding
from shop import locks

S = ReturnStatus
REFUND_PENDING = "requested"


@contextmanager
def locked_return(number: str) -> Iterator[tuple[Order, ReturnRequest]]:
    """The return's order and the return, both locked (order first), in one transaction."""
    order_number = (
        ReturnRequest.objects.filter(number=number).values_list("order__number", flat=True).first()
    )
    if order_number is None:
        raise ReturnRefused(f"Return {number} does not exist.", "not_found")
    with locks.locked_order(order_number) as order:
        ret = locks.return_request(number)
        assert ret is not None  # returns are never deleted while their order exists
        yield order, ret


def _move(ret: ReturnRequest, target: str, allowed: set[str], **fields: object) -> str:
    if ret.status not in allowed:
        return str(ret.status)
    ret.status = target
    for name, value in fields.items():
        setattr(ret, name, value)
    ret.save(update_fields=["status", *fields, "updated_at"])
    return str(target)


def open_return(number: str) -> str:
    """Where the return stands (the workflow's start, or restart, reads it)."""
    ret = ReturnRequest.objects.filter(number=number).values_list("status", flat=True).first()
    if ret is None:
        raise ReturnRefused(f"Return {number} does not exist.", "not_found")
    return ret


def approve(number: str, actor: str) -> str:
    with locked_return(number) as (_order, ret):
        return _move(ret, S.APPROVED, {S.REQUESTED}, decided_by=actor[:150])


def reject(number: str, actor: str, note: str) -> str:
    with locked_return(number) as (_order, ret):
        return _move(
            ret, S.REJECTED, {S.REQUESTED}, decided_by=actor[:150], decision_note=note[:1000]
        )


def mark_in_transit(number: str) -> str:
    with locked_return(number) as (_order, ret):
        return _move(ret, S.IN_TRANSIT, {S.APPROVED})


def expire(number: str) -> str:
    """Not sent back in time: expired (only while nothing is on its way)."""
    with locked_return(number) as (_order, ret):
        return _move(ret, S.EXPIRED, {S.REQUESTED, S.APPROVED})


def receive(number: str, conditions: dict[int, str], actor: str) -> str:
    """The parcel arrived: each line's condition recorded (unlisted lines: restock), the
    restockable units back in stock, status ``received``; all in one transaction, once."""
    with locked_return(number) as (order, ret):
        if ret.status not in (S.APPROVED, S.IN_TRANSIT):
            return ret.status
        units: dict[int, int] = defaultdict(int)
        for line in ret.lines.select_related("order_line").order_by("pk"):
            condition = conditions.get(line.order_line_id, ReturnCondition.RESTOCK)
            if condition not in ReturnCondition.values:
                raise ReturnRefused(f"Unknown condition {condition!r}.", "invalid_condition")
            line.condition = condition
            line.save(update_fields=["condition"])
            product_id = line.order_line.product_id
            if condition == ReturnCondition.RESTOCK and product_id is not None:
                units[product_id] += line.quantity
        restocked = inventory.restock_returned(order, dict(units))
        now = timezone.now()
        events.record(
            order,
            OrderEvent.Kind.STAFF_ACTION,
            f"Return {ret.number} received by {actor}: {restocked} unit(s) back in stock.",
            actor=actor[:150],
            data={"return": ret.number, "restocked": restocked},
        )
        return _move(ret, S.RECEIVED, {S.APPROVED, S.IN_TRANSIT}, received_at=now, restocked_at=now)


def request_refund(number: str) -> str:
    """The refund of the received lines, asked for once (the refunds module is idempotent by
    the return's number too). Returns its number, "" when refused."""
    ret = ReturnRequest.objects.select_related("order").get(number=number)
    if ret.refund_number:
        return ret.refund_number
    if ret.status != S.RECEIVED:
        raise ReturnRefused(f"Return {number} is {ret.status}, not received.", "wrong_status")
    refund_number = refunding.request_refund_for(ret)
    if refund_number:
        ReturnRequest.objects.filter(pk=ret.pk, refund_number="").update(
            refund_number=refund_number, updated_at=timezone.now()
        )
    return refund_number


def refund_outcome(number: str) -> str | None:
    """``succeeded`` / ``failed``, or None while the refund runs."""
    refund_number = ReturnRequest.objects.values_list("refund_number", flat=True).get(number=number)
    if not refund_number:
        return "failed"
    status = refunding.refund_status(refund_number)
    return None if status == REFUND_PENDING else status


def finish_refund(number: str, succeeded: bool) -> str:
    with locked_return(number) as (_order, ret):
        target = S.REFUNDED if succeeded else S.REFUND_FAILED
        return _move(ret, target, {S.RECEIVED})
