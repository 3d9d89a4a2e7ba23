"""The order's customer emails, sent once each (``orders.notifications`` keeps the ledger)."""

from __future__ import annotations

from invoices.services import invoice_attachment
from orders import notifications
from orders.models import EmailNotification, Order, Payment
from orders.services.fulfilment import get_order


def _refunded(order: Order) -> bool:
    return Payment.objects.filter(
        order=order, kind=Payment.Kind.REFUND, status=Payment.Status.SUCCEEDED
    ).exists()


def send_email(number: str, kind: str) -> bool:
    """Send one of the order's customer emails (idempotent). True if sent now."""
    order = get_order(number)
    extra = {}
    if kind in (EmailNotification.Kind.FAILED, EmailNotification.Kind.CANCELLED):
        if order.status != kind:  # e.g. an order cancelled elsewhere gets no "failed" email
            return False
        extra["refunded"] = _refunded(order)
        succeeded = set(
            Payment.objects.filter(order=order, status=Payment.Status.SUCCEEDED).values_list(
                "kind", flat=True
            )
        )
        extra["released"] = Payment.Kind.VOID in succeeded
        # Held but neither released nor taken: a void failed for good, staff release it.
        extra["release_pending"] = Payment.Kind.AUTHORIZATION in succeeded and not (
            succeeded & {Payment.Kind.VOID, Payment.Kind.CAPTURE, Payment.Kind.CHARGE}
        )
        # Charged but not refunded: an undo step failed and staff will refund by hand.
        extra["refund_pending"] = (
            not extra["refunded"]
            and Payment.objects.filter(
                order=order,
                kind__in=(Payment.Kind.CHARGE, Payment.Kind.CAPTURE),
                status=Payment.Status.SUCCEEDED,
            ).exists()
        )
    attachments = []
    if kind == EmailNotification.Kind.CONFIRMATION:  # sent after the capture issued it
        invoice = invoice_attachment(number)
        attachments = [invoice] if invoice is not None else []
    return notifications.send_order_email(order, kind, extra, attachments=attachments)
