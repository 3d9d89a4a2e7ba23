"""The order's money: authorize its total, capture it when the parcel ships, void the
authorization as a compensation (or, for orders from before authorizing first: charge at once
and refund as a compensation).

Provider calls happen outside any transaction (a slow provider holds no locks); the result is
recorded afterwards in its own transaction, before any status move that could fail. Idempotency
keys are derived from the order (``order-<number>-authorize``, ``-capture``, ``-void``,
``-charge``, ``-refund``), so a retried call is the first one.
"""

from __future__ import annotations

from django.db import transaction

from orders import events
from orders.models import Order, OrderEvent, Payment, decline_message
from orders.payments import CardToken, PaymentDeclined, PaymentError, get_gateway
from orders.services.fulfilment import advance, ensure_open, get_order
from orders.status import FINAL, OrderStatus
from shop.locks import locked_order

S = OrderStatus


def charge_key(order: Order) -> str:
    return f"order-{order.number}-charge"


def refund_key(order: Order) -> str:
    return f"order-{order.number}-refund"


def payment_key(order: Order, action: str) -> str:
    """``order-<number>-<action>``: authorize, capture, void."""
    return f"order-{order.number}-{action}"


def authorization_key(order: Order, attempt: int) -> str:
    """``order-<number>-authorize`` for the card given at checkout, ``-authorize-<k>`` for the
    k-th card tried on the pay page."""
    key = payment_key(order, "authorize")
    return key if attempt <= 1 else f"{key}-{attempt}"


def _succeeded(order: Order, kind: str) -> Payment | None:
    return Payment.objects.filter(order=order, kind=kind, status=Payment.Status.SUCCEEDED).first()


def _record_payment(order: Order, kind: str, key: str, gateway: str, reference: str) -> Payment:
    """The provider accepted: record it (once per key) in its own transaction."""
    with transaction.atomic():
        payment, _ = Payment.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "order": order,
                "kind": kind,
                **_payment_fields(order, key, gateway, reference, Payment.Status.SUCCEEDED),
            },
        )
    return payment


def authorize_payment(number: str, attempt: int = 1, card: CardToken | None = None) -> Payment:
    """Hold the order's total on the card once per attempt (key ``authorization_key``) and move
    to authorized. Attempt 1 uses the card given at checkout; a later attempt first makes
    ``card`` the order's card. A decline moves the order to awaiting payment (the shopper may
    pay again) and raises ``PaymentDeclined``; ``TransientPaymentError`` is retried."""
    order = get_order(number)
    key = authorization_key(order, attempt)
    existing = Payment.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.status == Payment.Status.FAILED:
        raise PaymentDeclined(decline_message(existing.failure_code), code=existing.failure_code)
    if existing is None:
        ensure_open(order)
        if card is not None:
            order = _use_card(number, card)
        gateway = get_gateway()
        try:  # outside any transaction: a slow provider holds no locks
            result = gateway.authorize(order.payment_token, order.total, order.currency, key)
        except PaymentDeclined as exc:
            _record_decline(number, key, gateway.name, exc.code)
            raise PaymentDeclined(decline_message(exc.code), code=exc.code) from exc
        existing = _record_payment(
            order, Payment.Kind.AUTHORIZATION, key, gateway.name, result.reference
        )
    with locked_order(number) as order:
        if order.status not in FINAL:
            advance(
                order,
                S.AUTHORIZED,
                OrderEvent.Kind.PAYMENT_AUTHORIZED,
                f"Authorized {existing.amount} {existing.currency} on {_card(existing)}.",
                data={"reference": existing.gateway_reference},
            )
    return existing


def _use_card(number: str, card: CardToken) -> Order:
    with locked_order(number) as order:
        order.payment_token = card.token
        order.card_brand = card.brand
        order.card_last4 = card.last4
        order.save(update_fields=["payment_token", "card_brand", "card_last4", "updated_at"])
    return order


def _record_decline(number: str, key: str, gateway: str, code: str) -> None:
    """Record the declined attempt once and let the order wait for another card."""
    with locked_order(number) as order:
        payment, created = Payment.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "order": order,
                "kind": Payment.Kind.AUTHORIZATION,
                **_payment_fields(order, key, gateway, "", Payment.Status.FAILED, code),
            },
        )
        if not created:
            return
        message = f"{decline_message(code)} ({_card(payment)})"
        if order.status in (S.RESERVED, S.AWAITING_PAYMENT):
            moved = advance(
                order,
                S.AWAITING_PAYMENT,
                OrderEvent.Kind.PAYMENT_FAILED,
                message,
                data={"code": code},
            )
            if moved:
                return
        events.record(order, OrderEvent.Kind.PAYMENT_FAILED, message, data={"code": code})


def _card(payment: Payment) -> str:
    if payment.card_last4:
        return f"{payment.card_brand or 'card'} ending in {payment.card_last4}"
    return "the card"


def capture_payment(number: str) -> Payment:
    """Take the authorized total once (key ``order-<number>-capture``), when the parcel ships.
    Raises ``PaymentError`` (nothing to capture) or ``TransientPaymentError`` (retry)."""
    order = get_order(number)
    existing = _succeeded(order, Payment.Kind.CAPTURE)
    if existing is not None:
        return existing
    authorization = _succeeded(order, Payment.Kind.AUTHORIZATION)
    if authorization is None:
        raise PaymentError(f"Order {number} has no authorization to capture.", code="no_auth")
    gateway = get_gateway()
    key = payment_key(order, "capture")
    result = gateway.capture(
        authorization.gateway_reference, authorization.amount, authorization.currency, key
    )
    capture = _record_payment(order, Payment.Kind.CAPTURE, key, gateway.name, result.reference)
    _event_once(
        number,
        OrderEvent.Kind.PAYMENT_CAPTURED,
        f"Captured {capture.amount} {capture.currency}.",
        capture,
    )
    return capture


def _event_once(number: str, kind: str, message: str, payment: Payment) -> None:
    """Note ``payment`` on the order's timeline once, however often its activity runs."""
    with locked_order(number) as order:
        if not OrderEvent.objects.filter(order=order, kind=kind).exists():
            events.record(order, kind, message, data={"reference": payment.gateway_reference})


def void_payment(number: str) -> Payment | None:
    """Compensation: release the authorization if it was not captured (key
    ``order-<number>-void``); if it was captured, refund the capture in full instead (key
    ``order-<number>-refund-1``). Returns the void or refund, or None when nothing was
    authorized."""
    order = get_order(number)
    authorization = _succeeded(order, Payment.Kind.AUTHORIZATION)
    if authorization is None:
        return None
    capture = _succeeded(order, Payment.Kind.CAPTURE)
    if capture is not None:
        return _refund_capture(order, capture)
    existing = _succeeded(order, Payment.Kind.VOID)
    if existing is not None:
        return existing
    gateway = get_gateway()
    key = payment_key(order, "void")
    result = gateway.void(authorization.gateway_reference, key)
    void = _record_payment(order, Payment.Kind.VOID, key, gateway.name, result.reference)
    _event_once(
        number,
        OrderEvent.Kind.PAYMENT_VOIDED,
        "Payment authorization released: nothing was charged.",
        void,
    )
    return void


def _refund_capture(order: Order, capture: Payment) -> Payment:
    key = payment_key(order, "refund-1")
    existing = Payment.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    gateway = get_gateway()
    result = gateway.refund(capture.gateway_reference, capture.amount, capture.currency, key)
    refund = _record_payment(order, Payment.Kind.REFUND, key, gateway.name, result.reference)
    _event_once(
        order.number,
        OrderEvent.Kind.PAYMENT_REFUNDED,
        f"Refunded {refund.amount} {refund.currency}.",
        refund,
    )
    return refund


def charge_payment(number: str) -> Payment:
    """Charge the order's total once (idempotency key ``order-<number>-charge``) and move to
    paid. Raises ``PaymentDeclined`` (business) or ``TransientPaymentError`` (retry)."""
    order = get_order(number)
    existing = Payment.objects.filter(order=order, kind=Payment.Kind.CHARGE).first()
    if existing is not None and existing.status == Payment.Status.FAILED:
        raise PaymentDeclined(decline_message(existing.failure_code), code=existing.failure_code)
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
                        decline_message(exc.code),
                        data={"code": exc.code},
                    )
            raise PaymentDeclined(decline_message(exc.code), code=exc.code) from exc
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
