"""Asking for a refund: validated under the order's lock, saved, its workflow started on commit.

``request_refund`` is the one entry (staff admin page, staff API, returns). Whatever is asked
for, the total of an order's refunds (requested or succeeded: a refund in flight counts) never
exceeds what was captured; the check and the insert happen under the order's row lock, so
concurrent requests are serialised (``tests/refunds/test_concurrency.py``).

Keys and numbers: refund k of an order is numbered ``<order>-R<k>``, refunds the provider
under ``order-<order>-refund-<k>`` and runs as workflow ``refund-<order>-<k>``. k counts the
order's refunds from 1 and skips any key already used by a recorded ``Payment`` (a cancelled
order's compensation refunds its capture under ``order-<n>-refund-1``; such an order is never
refundable by staff, but the skip keeps the keys apart whatever happens).

The execution (provider, ledger, status, credit note, email) is in ``refunds.execution``.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from django.db import transaction

from orders import events
from orders.errors import InvalidOrder
from orders.models import Order, OrderEvent, OrderLine, Payment
from orders.status import OrderStatus
from refunds.amounts import Computed, Part, amount_parts, line_part, shipping_part
from refunds.execution import execute_refund, issue_refund_credit_note, send_refund_email
from refunds.models import Refund, RefundLine
from refunds.selectors import captured_payment, refunded_quantities, shipping_refunded
from shop.locks import locked_order
from shop.workflow_starts import record_started, start_in_turn
from workflows.client import TemporalUnavailable, start_refund_workflow

__all__ = [
    "RefundRefused",
    "execute_refund",
    "issue_refund_credit_note",
    "request_refund",
    "send_refund_email",
    "start_pending_refunds",
    "start_refund_workflow_for",
]

logger = logging.getLogger(__name__)

S = OrderStatus
REFUNDABLE = frozenset({S.COMPLETED, S.PARTIALLY_REFUNDED})
CENT = Decimal("0.01")


class RefundRefused(Exception):
    """A refund that can't be made as asked; ``code`` is stable (docs/REFUNDS.md lists them)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def request_refund(
    order_number: str,
    *,
    lines: dict[int, int] | None = None,
    include_shipping: bool = False,
    amount: Decimal | None = None,
    reason: str,
    actor: str,
    return_number: str = "",
) -> Refund:
    """Save a refund of ``lines`` (``OrderLine.pk`` -> units), the shipping and/or a free
    ``amount`` (gross, needs a ``reason``) and start its workflow once committed. With
    ``return_number`` a second call for the same return returns the first refund. Raises
    ``RefundRefused`` having written nothing."""
    reason = (reason or "").strip()
    actor = (actor or "system")[:150]  # the column's size (an email may be longer)
    wanted = _clean_lines(lines)
    free = _clean_amount(amount, reason)
    if not wanted and not include_shipping and free is None:
        raise RefundRefused("Choose items, the shipping or an amount to refund.", "invalid_amount")
    try:
        with locked_order(order_number) as order:
            if return_number:
                existing = Refund.objects.filter(order=order, return_number=return_number).first()
                if existing is not None:
                    return existing
            captured = _refundable_capture(order)
            computed = _compute(order, wanted, include_shipping, free, reason)
            if computed.amount <= 0:
                raise RefundRefused("A refund must give back more than nothing.", "invalid_amount")
            pending_or_done = sum(
                (r.amount for r in order.refunds.exclude(status=Refund.Status.FAILED)),
                Decimal("0.00"),
            )
            left = captured.amount - pending_or_done
            if computed.amount > left:
                raise RefundRefused(
                    f"That is {computed.amount} {order.currency}, but only {max(left, 0)} "
                    f"{order.currency} of what was paid is left to refund.",
                    "over_refund",
                )
            refund = _save(order, computed, include_shipping, free, reason, actor, return_number)
            transaction.on_commit(lambda: start_refund_workflow_for(refund), robust=True)
    except InvalidOrder as exc:
        raise RefundRefused(f"Order {order_number} does not exist.", "not_found") from exc
    return refund


def _clean_lines(lines: dict[int, int] | None) -> dict[int, int]:
    wanted: dict[int, int] = {}
    for line_id, quantity in (lines or {}).items():
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise RefundRefused(
                "Each quantity to refund must be a whole number of at least 1.", "invalid_quantity"
            )
        try:
            wanted[int(line_id)] = quantity
        except (TypeError, ValueError) as exc:
            raise RefundRefused(
                f"Line {line_id} is not part of this order.", "invalid_line"
            ) from exc
    return wanted


def _clean_amount(amount: Decimal | None, reason: str) -> Decimal | None:
    if amount is None:
        return None
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise RefundRefused("The amount must be a number.", "invalid_amount") from exc
    if not value.is_finite() or value <= 0:
        raise RefundRefused("The amount must be more than zero.", "invalid_amount")
    if value != value.quantize(CENT):
        raise RefundRefused("The amount can't have more than two decimals.", "invalid_amount")
    if not reason:
        raise RefundRefused("Say why a free amount is refunded.", "reason_required")
    return value


def _refundable_capture(order: Order) -> Payment:
    captured = captured_payment(order)
    if captured is None:
        raise RefundRefused(
            "Nothing was paid for this order: there is nothing to refund.", "not_captured"
        )
    if order.status == S.REFUNDED or order.status in (S.CANCELLED, S.FAILED):
        raise RefundRefused("Everything paid for this order was already refunded.", "over_refund")
    if order.status not in REFUNDABLE:
        raise RefundRefused(
            "This order has not been delivered yet: cancel it instead, or refund it once it "
            "is completed.",
            "not_refundable_yet",
        )
    return captured


def _compute(
    order: Order, wanted: dict[int, int], include_shipping: bool, free: Decimal | None, reason: str
) -> Computed:
    computed = Computed()
    order_lines = {line.pk: line for line in OrderLine.objects.filter(order=order, pk__in=wanted)}
    done = refunded_quantities(order)
    for line_id, quantity in sorted(wanted.items()):
        line = order_lines.get(line_id)
        if line is None:
            raise RefundRefused(f"Line {line_id} is not part of this order.", "invalid_line")
        left = line.quantity - done.get(line.pk, 0)
        if quantity > left:
            raise RefundRefused(
                f"Only {left} unit(s) of {line.name} are left to refund.", "invalid_quantity"
            )
        computed.parts.append(line_part(line, quantity, done.get(line.pk, 0)))
    if include_shipping:
        if shipping_refunded(order):
            raise RefundRefused("The shipping was already refunded.", "shipping_refunded")
        if order.shipping_cost <= 0:
            raise RefundRefused("This order had no shipping cost to refund.", "invalid_amount")
        computed.parts.append(shipping_part(order))
    if free is not None:
        computed.parts.extend(amount_parts(order, free, reason))
    return computed


def _next_seq(order: Order) -> int:
    last = order.refunds.order_by("-seq").values_list("seq", flat=True).first() or 0
    seq = last + 1
    while Payment.objects.filter(idempotency_key=f"order-{order.number}-refund-{seq}").exists():
        seq += 1
    return seq


def _save(
    order: Order,
    computed: Computed,
    include_shipping: bool,
    free: Decimal | None,
    reason: str,
    actor: str,
    return_number: str,
) -> Refund:
    seq = _next_seq(order)
    shipping = sum((p.gross for p in computed.parts if p.kind == "shipping"), Decimal("0.00"))
    refund = Refund.objects.create(
        order=order,
        number=f"{order.number}-R{seq}",
        seq=seq,
        amount=computed.amount,
        net=computed.net,
        tax=computed.tax,
        tax_breakdown=computed.breakdown(),
        include_shipping=include_shipping,
        shipping_amount=shipping,
        free_amount=free or Decimal("0.00"),
        reason=reason,
        actor=actor,
        return_number=return_number,
    )
    RefundLine.objects.bulk_create(_refund_line(refund, p) for p in computed.parts if p.order_line)
    events.record(
        order,
        OrderEvent.Kind.STAFF_ACTION,
        f"Refund {refund.number} of {refund.amount} {order.currency} requested"
        + (f": {reason}" if reason else "."),
        actor=actor,
        data={"refund": refund.number, "amount": str(refund.amount), "return": return_number},
    )
    return refund


def _refund_line(refund: Refund, part: Part) -> RefundLine:
    return RefundLine(
        refund=refund,
        order_line=part.order_line,
        quantity=part.quantity,
        net=part.net,
        tax=part.tax,
        gross=part.gross,
    )


# --- Starting the workflows ------------------------------------------------------------------


def start_refund_workflow_for(refund: Refund) -> bool:
    """Start the refund's workflow; True when it runs (now or before). Never raises: when
    Temporal can't be reached the sweeper (``start_pending_refunds``) starts it later."""
    try:
        start_refund_workflow(refund.order.number, refund.number)
    except TemporalUnavailable as exc:
        logger.warning(
            "Temporal unavailable, refund %s waits for the sweeper: %s", refund.number, exc
        )
        return False
    except Exception:
        logger.exception("Could not start the workflow of refund %s", refund.number)
        return False
    record_started(refund)
    return True


def start_pending_refunds(limit: int | None = None) -> int:
    """Start the workflow of every requested refund with none on record, oldest first; stop at
    the first failure to reach Temporal. Returns how many run now (started or found running)."""
    pending = (
        Refund.objects.filter(workflow_started_at__isnull=True, status=Refund.Status.REQUESTED)
        .select_related("order")
        .order_by("created_at", "pk")
    )
    if limit is not None:
        pending = pending[:limit]
    return start_in_turn(pending, start_refund_workflow_for)
