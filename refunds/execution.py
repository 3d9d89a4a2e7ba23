"""Carrying out a refund (the steps of ``RefundWorkflow``), each idempotent.

1. ``execute_refund``: the provider refund under ``order-<n>-refund-<k>`` (outside any
   transaction: a slow provider holds no lock), then the ``Payment(kind=refund)`` in its own
   transaction right after the answer, then, under the order's lock, the refund marked
   succeeded and the order moved (completed -> partially_refunded -> refunded) with a
   ``payment_refunded`` event naming the amount. A retry after a crash anywhere in between
   calls the provider with the same key (it answers with the first refund: no money moves
   twice) or finds the ``Payment`` and only finishes the bookkeeping. A refusal for good by
   the provider marks the refund failed and alerts staff once.
2. ``issue_refund_credit_note``: the credit note (``invoices``, idempotent by refund number).
3. ``send_refund_email``: the customer's email, once per refund (with the credit note).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from invoices.services import credit_note_attachment, issue_credit_note
from invoices.types import CreditLine
from orders import events, notifications
from orders.errors import InvalidOrder
from orders.models import EmailNotification, OrderEvent, Payment
from orders.payments import PaymentError, TransientPaymentError, get_gateway
from orders.status import OrderStatus, can_move
from refunds.amounts import ZERO, amount_parts
from refunds.models import Refund
from refunds.selectors import captured_payment
from shop.locks import locked_order

logger = logging.getLogger(__name__)


def get_refund(number: str) -> Refund:
    try:
        return Refund.objects.select_related("order").get(number=number)
    except Refund.DoesNotExist:
        raise InvalidOrder(f"Refund {number} does not exist.") from None


def execute_refund(number: str, after_provider: Callable[[], None] | None = None) -> Refund:
    """Refund at the provider once and record it (see the module's docstring). Returns the
    refund, succeeded or failed. ``after_provider`` runs between the provider's answer and the
    record (the crash tests' fault point). Raises ``TransientPaymentError`` (retry)."""
    refund = get_refund(number)
    if refund.status != Refund.Status.REQUESTED:
        return refund
    order = refund.order
    key = refund.idempotency_key
    payment = Payment.objects.filter(idempotency_key=key).first()
    if payment is None:
        captured = captured_payment(order)
        if captured is None:
            return _fail(refund, "Nothing was captured for this order.", "not_captured")
        gateway = get_gateway()
        try:
            result = gateway.refund(captured.gateway_reference, refund.amount, order.currency, key)
        except TransientPaymentError:
            raise
        except PaymentError as exc:
            return _fail(refund, exc.message, exc.code)
        if after_provider is not None:
            after_provider()
        with transaction.atomic():
            payment, _ = Payment.objects.get_or_create(
                idempotency_key=key,
                defaults={
                    "order": order,
                    "kind": Payment.Kind.REFUND,
                    "status": Payment.Status.SUCCEEDED,
                    "amount": refund.amount,
                    "currency": order.currency,
                    "gateway": gateway.name,
                    "gateway_reference": result.reference,
                    "card_brand": order.card_brand,
                    "card_last4": order.card_last4,
                },
            )
    return _settle(refund, payment)


def _settle(refund: Refund, payment: Payment) -> Refund:
    """Mark the refund succeeded and move the order, once (under the order's lock)."""
    with locked_order(refund.order.number) as order:
        refund = Refund.objects.get(pk=refund.pk)
        if refund.status != Refund.Status.REQUESTED:
            return refund
        refund.status = Refund.Status.SUCCEEDED
        refund.payment = payment
        refund.provider_reference = payment.gateway_reference
        refund.save(update_fields=["status", "payment", "provider_reference", "updated_at"])
        captured = captured_payment(order)
        refunded = sum(
            (r.amount for r in order.refunds.filter(status=Refund.Status.SUCCEEDED)), ZERO
        )
        target = (
            OrderStatus.REFUNDED
            if captured is not None and refunded >= captured.amount
            else OrderStatus.PARTIALLY_REFUNDED
        )
        message = f"Refunded {refund.amount} {order.currency} ({refund.number})."
        data = {
            "refund": refund.number,
            "amount": str(refund.amount),
            "reference": payment.gateway_reference,
        }
        kind = OrderEvent.Kind.PAYMENT_REFUNDED
        if can_move(order.status, target):
            events.move(order, target, kind, message, actor=refund.actor, data=data)
        else:  # a further partial refund: the status stays partially_refunded
            events.record(order, kind, message, actor=refund.actor, data=data)
    refund.order = order
    return refund


def _fail(refund: Refund, message: str, code: str) -> Refund:
    """The provider refused for good: mark the refund failed and alert staff, once."""
    with locked_order(refund.order.number) as order:
        refund = Refund.objects.get(pk=refund.pk)
        if refund.status != Refund.Status.REQUESTED:
            return refund
        refund.status = Refund.Status.FAILED
        refund.failure_reason = f"{message} ({code})"
        refund.save(update_fields=["status", "failure_reason", "updated_at"])
        events.record(
            order,
            OrderEvent.Kind.STAFF_ACTION,
            f"Refund {refund.number} of {refund.amount} {order.currency} failed: {message}",
            data={"refund": refund.number, "code": code},
        )
    logger.error("refund %s failed for good: %s (%s)", refund.number, message, code)
    try:
        send_mail(
            f"[shop] Refund {refund.number} failed",
            f"The refund {refund.number} of {refund.amount} {order.currency} for order "
            f"{order.number} was refused by the payment provider: {message} ({code}).\n\n"
            f"Admin: {settings.SHOP_BASE_URL.rstrip('/')}/admin/orders/order/{order.pk}/change/\n",
            settings.DEFAULT_FROM_EMAIL,
            list(settings.SHOP_STAFF_EMAILS),
        )
    except Exception:  # the refund is marked failed either way; the log line says it all
        logger.exception("refund %s: staff alert not sent", refund.number)
    refund.order = order
    return refund


def credit_lines(refund: Refund) -> list[CreditLine]:
    """The credit note's lines: each refunded item, the shipping, the free amount per rate."""
    lines = [
        CreditLine(
            description=line.order_line.name,
            quantity=line.quantity,
            net=line.net,
            tax_rate=line.order_line.tax_rate,
            tax=line.tax,
            gross=line.gross,
        )
        for line in refund.lines.select_related("order_line")
    ]
    order = refund.order
    if refund.include_shipping and refund.shipping_amount > 0:
        net, tax = order.shipping_net, order.shipping_tax
        if net + tax != refund.shipping_amount:
            net, tax = refund.shipping_amount, ZERO
        lines.append(
            CreditLine("Shipping", 1, net, order.shipping_tax_rate, tax, refund.shipping_amount)
        )
    if refund.free_amount > 0:
        for part in amount_parts(order, refund.free_amount, refund.reason or "Refund"):
            lines.append(CreditLine(part.description, 1, part.net, part.rate, part.tax, part.gross))
    return lines


def issue_refund_credit_note(number: str) -> str:
    """The refund's credit note number (issued once). '' while the invoices module can't
    issue credit notes yet (logged): the refund itself is done."""
    refund = get_refund(number)
    if refund.status != Refund.Status.SUCCEEDED:
        return ""
    if refund.credit_note_number:
        return refund.credit_note_number
    try:
        credit_note = issue_credit_note(
            refund.order.number, refund.number, credit_lines(refund), refund.reason
        )
    except NotImplementedError:
        logger.warning("refund %s: credit notes are not available yet", refund.number)
        return ""
    Refund.objects.filter(pk=refund.pk).update(credit_note_number=credit_note)
    return credit_note


def send_refund_email(number: str) -> bool:
    """The customer's refund email, once per refund, with the credit note when there is one.
    True if sent now."""
    refund = get_refund(number)
    if refund.status != Refund.Status.SUCCEEDED:
        return False
    attachment = credit_note_attachment(refund.number)
    return notifications.send_order_email(
        refund.order,
        EmailNotification.Kind.REFUND,
        {"refund": refund, "refund_lines": list(refund.lines.select_related("order_line"))},
        reference=refund.number,
        attachments=[attachment] if attachment else [],
    )
