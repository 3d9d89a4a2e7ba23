"""Staff alerts raised by the order workflow when something needs a person."""

from __future__ import annotations

from django.db import transaction

from orders import events, notifications
from orders.models import EmailNotification, Order, OrderEvent
from orders.services.fulfilment import get_order


def record_compensation_failed(number: str, failures: list[str]) -> bool:
    """An undo step (refund, stock release) failed for good: record it on the order and email
    staff, once per order. True if recorded now."""
    order = get_order(number)
    with transaction.atomic():
        Order.objects.select_for_update().get(pk=order.pk)
        recorded = not OrderEvent.objects.filter(order=order, kind="compensation_failed").exists()
        if recorded:
            events.record(
                order,
                "compensation_failed",
                "Something could not be undone automatically: staff have been alerted.",
                data={"failures": failures},
            )
    notifications.send_order_email(
        order, EmailNotification.Kind.COMPENSATION_STAFF, {"failures": failures}
    )
    return recorded
