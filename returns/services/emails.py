"""A return's emails (kinds ``return_requested``, ``return_approved``, ``return_rejected``,
``return_received``, ``return_expired``), each sent once per return: the order's email ledger
(``orders.notifications``) keyed by the return's number as ``reference``."""

from __future__ import annotations

from orders import notifications
from returns.models import ReturnRequest
from returns.services.refunding import refund_amount

KINDS = (
    "return_requested",
    "return_approved",
    "return_rejected",
    "return_received",
    "return_expired",
)


def send_return_email(number: str, kind: str) -> bool:
    """Send the return's ``kind`` email unless it was sent. True if sent now."""
    if kind not in KINDS:
        raise ValueError(f"Unknown return email {kind!r}.")
    ret = ReturnRequest.objects.select_related("order").get(number=number)
    extra = {
        "ret": ret,
        "return_lines": list(ret.lines.select_related("order_line").order_by("pk")),
        "refund_amount": refund_amount(ret.refund_number),
    }
    return notifications.send_order_email(ret.order, kind, extra, reference=ret.number)
