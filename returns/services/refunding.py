"""The one call into ``refunds.services`` (the refund of a received return's lines).

``request_refund`` is idempotent per return (``return_number``): asking twice, from a retried
activity or a re-run workflow, gives the same ``Refund``.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from refunds.models import Refund
from refunds.services import RefundRefused, request_refund
from returns.models import ReturnRequest

logger = logging.getLogger(__name__)

REFUND_ACTOR = "returns"


def request_refund_for(ret: ReturnRequest) -> str:
    """Ask for the refund of ``ret``'s lines; returns the refund's number, or "" when the
    refunds module refuses it (e.g. staff already refunded those units by hand: logged, the
    return ends as ``refund_failed`` for staff to look at)."""
    lines = {line.order_line_id: line.quantity for line in ret.lines.order_by("pk")}
    try:
        refund = request_refund(
            ret.order.number,
            lines=lines,
            reason=f"Return {ret.number}: {ret.reason}"[:1000],
            actor=REFUND_ACTOR,
            return_number=ret.number,
        )
    except RefundRefused as exc:
        logger.warning("Return %s: refund refused (%s): %s", ret.number, exc.code, exc)
        return ""
    return refund.number


def refund_status(refund_number: str) -> str:
    """``requested``, ``succeeded`` or ``failed`` (``Refund.Status``)."""
    return Refund.objects.values_list("status", flat=True).get(number=refund_number)


def refund_amount(refund_number: str) -> Decimal | None:
    """The refund's gross amount, or None (emails)."""
    if not refund_number:
        return None
    return Refund.objects.filter(number=refund_number).values_list("amount", flat=True).first()
