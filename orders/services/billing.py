"""The order's money: charge its total once, refund it as a compensation.

Provider calls happen outside any transaction (a slow provider holds no locks); the result is
recorded afterwards under the order's lock. Idempotency keys are derived from the order
(``order-<number>-charge``, ``order-<number>-refund``), so a retried call is the first one.
"""

from __future__ import annotations

from django.db import transaction

from orders import events
from orders.models import Order, OrderEvent, Payment
from orders.payments import PaymentDeclined, get_gateway
from orders.services.fulfilment import advance, ensure_open, get_order
from orders.status import FINAL, OrderStatus
from shop.locks import locked_order

S = OrderStatus


def charge_key(order: Order) -> str:
    return f"order-{order.number}-charge"


def refund_key(order: Order) -> str:
    return f"order-{order.number}-refund"


def charge_payment(number: str) -> Payment:
    """Charge the order's total once (idempotency key ``order-<number>-charge``) and move to
    paid. Raises ``PaymentDeclined`` (business) or ``TransientPaymentError`` (retry)."""
    order = get_order(number)
    existing = Payment.objects.filter(order=order, kind=Payment.Kind.CHARGE).first()
    if existing is not None and existing.status == Payment.Status.FAILED:
        raise PaymentDeclined(_decline_message(existing.failure_code), code=existing.failure_code)
    if existing is None:
        ensure_open(order)
        gateway = get_gateway()
        try:  # outside any transaction: a slow provider holds no locks
            result = gateway.charge(
                order.payment_token, order.total, order.currency, charge_key(order)
            )
        except PaymentDeclined as exc:
            with transaction.atomic():
                _, created = Payment.objects.get_or_create(
                    order=order,
                    kind=Payment.Kind.CHARGE,
                    defaults=_payment_fields(
                        order, charge_key(order), gateway.name, "", Payment.Status.FAILED, exc.code
                    ),
                )
                if created:
                    events.record(
                        order,
                        OrderEvent.Kind.PAYMENT_FAILED,
                        _decline_message(exc.code),
                        data={"code": exc.code},
                    )
            raise PaymentDeclined(_decline_message(exc.code), code=exc.code) from exc
        with locked_order(number) as order:  # serialises attempts: no get_or_create savepoint
            existing = Payment.objects.filter(order=order, kind=Payment.Kind.CHARGE).first()
            if existing is None:
                existing = Payment.objects.create(
                    order=order,
                    kind=Payment.Kind.CHARGE,
                    **_payment_fields(
                        order,
                        charge_key(order),
                        gateway.name,
                        result.reference,
                        Payment.Status.SUCCEEDED,
                    ),
                )
            advance(
                order,
                S.PAID,
                OrderEvent.Kind.PAYMENT_CHARGED,
                f"Charged {order.total} {order.currency}.",
                data={"reference": existing.gateway_reference},
            )
        return existing
    if existing.status == Payment.Status.SUCCEEDED:
        with locked_order(number) as order:
            if order.status not in FINAL:
                advance(
                    order,
                    S.PAID,
                    OrderEvent.Kind.PAYMENT_CHARGED,
                    f"Charged {order.total} {order.currency}.",
                )
    return existing


def refund_payment(number: str) -> Payment | None:
    """Compensation: refund the charge if there was one (key ``order-<number>-refund``).
    Returns the refund, or None when nothing was charged."""
    order = get_order(number)
    charge = Payment.objects.filter(
        order=order, kind=Payment.Kind.CHARGE, status=Payment.Status.SUCCEEDED
    ).first()
    if charge is None:
        return None
    refund = Payment.objects.filter(order=order, kind=Payment.Kind.REFUND).first()
    if refund is not None:
        return refund
    gateway = get_gateway()
    result = gateway.refund(
        charge.gateway_reference, charge.amount, charge.currency, refund_key(order)
    )
    with transaction.atomic():
        refund, created = Payment.objects.get_or_create(
            order=order,
            kind=Payment.Kind.REFUND,
            defaults=_payment_fields(
                order, refund_key(order), gateway.name, result.reference, Payment.Status.SUCCEEDED
            ),
        )
        if created:
            events.record(
                order,
                OrderEvent.Kind.PAYMENT_REFUNDED,
                f"Refunded {charge.amount} {charge.currency}.",
                data={"reference": result.reference},
            )
    return refund


def _payment_fields(
    order: Order, key: str, gateway: str, reference: str, status: str, code: str = ""
) -> dict:
    return {
        "status": status,
        "amount": order.total,
        "currency": order.currency,
        "idempotency_key": key,
        "gateway": gateway,
        "gateway_reference": reference,
        "card_brand": order.card_brand,
        "card_last4": order.card_last4,
        "failure_code": code,
    }


def _decline_message(code: str) -> str:
    if code == "insufficient_funds":
        return "The payment failed: the card has insufficient funds."
    return "The payment was declined by the card issuer."
