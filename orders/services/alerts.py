"""Staff alerts raised by the order workflow when something needs a person."""

from __future__ import annotations

from orders import events, notifications
from orders.models import EmailNotification, OrderEvent
from shop.locks import locked_order


def record_compensation_failed(number: str, failures: list[str]) -> bool:
    """An undo step (refund, stock release) failed for good: record it on the order and email
    staff, once per order. True if recorded now."""
    with locked_order(number) as order:
        recorded = not OrderEvent.objects.filter(
            order=order, kind=OrderEvent.Kind.COMPENSATION_FAILED
        ).exists()
        if recorded:
            events.record(
                order,
                OrderEvent.Kind.COMPENSATION_FAILED,
                "Something could not be undone automatically: staff have been alerted.",
                data={"failures": failures},
            )
    notifications.send_order_email(
        order, EmailNotification.Kind.COMPENSATION_STAFF, {"failures": failures}
    )
    return recorded
