"""What ``OrderWorkflow``'s activities do, one function per step, keyed by the order number.

Each function is idempotent (run twice = run once) and writes the order's status and an
``OrderEvent`` in the same transaction as its effect. Business failures raise the exceptions
below (or ``OutOfStock`` / ``PaymentDeclined``); the activities turn them into non-retryable
errors. Payment provider calls happen outside any transaction that holds stock locks.
"""

from __future__ import annotations

import hashlib
import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from orders import events, inventory, notifications
from orders.models import EmailNotification, Order, OrderEvent, Payment, Shipment
from orders.payments import PaymentDeclined, get_gateway
from orders.status import FINAL, OrderStatus

logger = logging.getLogger(__name__)

S = OrderStatus
# The forward path; an order "is at or past" a status if it comes later in this list.
FORWARD = [
    S.RECEIVED,
    S.VALIDATED,
    S.RESERVED,
    S.PAID,
    S.SHIPPED,
    S.IN_TRANSIT,
    S.DELIVERED,
    S.COMPLETED,
]


class InvalidOrder(Exception):
    """The order can't be processed as it is (no lines, product gone, totals don't add up)."""


class OrderClosed(Exception):
    """The order is already failed or cancelled: the step must not run."""


def get_order(number: str) -> Order:
    try:
        return Order.objects.get(number=number)
    except Order.DoesNotExist:
        raise InvalidOrder(f"Order {number} does not exist.") from None


def lock_order(number: str) -> Order:
    """The order with its row locked until the caller's transaction ends (call it inside
    ``transaction.atomic()``; pass ``locked=True`` to ``events.move``/``inventory`` then)."""
    try:
        return Order.objects.select_for_update().get(number=number)
    except Order.DoesNotExist:
        raise InvalidOrder(f"Order {number} does not exist.") from None


def _reached(status: str, target: str) -> bool:
    return status in FORWARD and FORWARD.index(status) >= FORWARD.index(target)


def _ensure_open(order: Order) -> None:
    if order.status in FINAL and order.status != S.COMPLETED:
        raise OrderClosed(f"Order {order.number} is already {order.get_status_display().lower()}.")


def _advance(order: Order, target: str, kind: str, message: str = "", **kwargs) -> bool:
    """Move ``order`` to ``target`` unless it is already there or further. True if moved."""
    if _reached(order.status, target):
        return False
    events.move(order, target, kind, message, **kwargs)
    return True


# --- validate --------------------------------------------------------------------------------


def validate_order(number: str) -> Order:
    """Check the order can be fulfilled and move it to validated. A final order is returned
    unchanged (the workflow then stops). Raises ``InvalidOrder``."""
    with transaction.atomic():
        order = lock_order(number)
        if order.status in FINAL:
            return order
        _check(order)
        _advance(order, S.VALIDATED, "validated", "Order validated.", locked=True)
    return order


def _check(order: Order) -> None:
    """Raise ``InvalidOrder`` saying everything wrong with ``order``."""
    lines = list(order.lines.select_related("product"))
    problems = []
    if not lines:
        problems.append("The order has no items.")
    for line in lines:
        if line.product is None or not line.product.is_active:
            problems.append(f"{line.name} is no longer available.")
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    if lines and subtotal != order.subtotal:
        problems.append("The order's subtotal does not match its items.")
    if order.subtotal + order.shipping_cost != order.total:
        problems.append("The order's total does not add up.")
    if not order.payment_token:
        problems.append("The order has no payment method.")
    if problems:
        raise InvalidOrder(" ".join(problems))


# --- inventory -------------------------------------------------------------------------------


def reserve_inventory(number: str) -> Order:
    """Reserve stock for every line (all or nothing) and move to reserved. Raises
    ``OutOfStock``."""
    with transaction.atomic():
        order = lock_order(number)
        _ensure_open(order)
        reservations = inventory.reserve(order, locked=True)
        _advance(
            order,
            S.RESERVED,
            "stock_reserved",
            "Stock reserved.",
            data={"items": {str(r.product_id): r.quantity for r in reservations}},
            locked=True,
        )
    return order


def release_inventory(number: str) -> int:
    """Compensation: give back stock still reserved. Returns the reservations released."""
    order = get_order(number)
    with transaction.atomic():
        released = inventory.release(order)
        if released:
            events.record(order, "stock_released", f"Stock released ({released} products).")
    return released


# --- payment ---------------------------------------------------------------------------------


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
        _ensure_open(order)
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
                        order, "payment_failed", _decline_message(exc.code), data={"code": exc.code}
                    )
            raise PaymentDeclined(_decline_message(exc.code), code=exc.code) from exc
        with transaction.atomic():
            order = lock_order(number)  # serialises attempts: no get_or_create savepoint
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
            _advance(
                order,
                S.PAID,
                "payment_charged",
                f"Charged {order.total} {order.currency}.",
                data={"reference": existing.gateway_reference},
                locked=True,
            )
        return existing
    order.refresh_from_db(fields=["status"])
    paid = existing.status == Payment.Status.SUCCEEDED
    if paid and not _reached(order.status, S.PAID) and order.status not in FINAL:
        _advance(order, S.PAID, "payment_charged", f"Charged {order.total} {order.currency}.")
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
                "payment_refunded",
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


# --- shipment --------------------------------------------------------------------------------


def carrier_for(number: str) -> str:
    digest = hashlib.sha256(number.encode()).digest()
    return "DHL" if digest[0] % 2 == 0 else "UPS"


def tracking_number_for(number: str, carrier: str) -> str:
    digest = hashlib.sha256(f"{carrier}:{number}".encode()).hexdigest()[:8].upper()
    return f"{carrier}-{number}-{digest}"


def create_shipment(number: str) -> Shipment:
    """Create the shipment (deterministic carrier + tracking number), commit the reserved
    stock and move to shipped, in one transaction."""
    with transaction.atomic():
        locked = lock_order(number)
        shipment = Shipment.objects.filter(order=locked).first()
        if shipment is not None:
            return shipment
        _ensure_open(locked)
        carrier = carrier_for(number)
        shipment = Shipment.objects.create(
            order=locked, carrier=carrier, tracking_number=tracking_number_for(number, carrier)
        )
        inventory.commit(locked, locked=True)
        _advance(
            locked,
            S.SHIPPED,
            "shipped",
            f"Shipped with {carrier}, tracking number {shipment.tracking_number}.",
            data={"carrier": carrier, "tracking_number": shipment.tracking_number},
            locked=True,
        )
    return shipment


# --- carrier events and delivery --------------------------------------------------------------


def apply_carrier_event(
    number: str, status: str, *, event_id: str = "", note: str = "", actor: str = "carrier"
) -> str:
    """Apply a carrier event (in_transit, delivered, exception). Returns the order's status.
    Repeated events (same ``event_id``) and moves already made are ignored."""
    order = get_order(number)
    data = {"event_id": event_id, "carrier_status": status}
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if event_id and OrderEvent.objects.filter(order=order, data__event_id=event_id).exists():
            return order.status
        shipment = Shipment.objects.filter(order=order).first()
        if status == "in_transit":
            if _advance(
                order,
                S.IN_TRANSIT,
                "in_transit",
                note or "Parcel in transit.",
                actor=actor,
                data=data,
            ):
                Shipment.objects.filter(order=order).update(status="in_transit")
        elif status == "delivered":
            if _advance(
                order, S.DELIVERED, "delivered", note or "Parcel delivered.", actor=actor, data=data
            ):
                Shipment.objects.filter(order=order).update(status="delivered")
        else:
            events.record(
                order,
                "carrier_exception",
                note or "The carrier reported a problem.",
                actor=actor,
                data=data,
            )
            if shipment is not None:
                Shipment.objects.filter(pk=shipment.pk).update(status="exception")
    return order.status


def record_delivery_overdue(number: str, days: float) -> bool:
    """Record that delivery is overdue and alert staff, once. True if recorded now."""
    order = get_order(number)
    with transaction.atomic():
        Order.objects.select_for_update().get(pk=order.pk)
        recorded = not OrderEvent.objects.filter(order=order, kind="delivery_overdue").exists()
        if recorded:
            events.record(
                order,
                "delivery_overdue",
                f"Not delivered {days:g} days after shipping: staff alerted.",
                data={"days": days},
            )
    notifications.send_order_email(
        order, EmailNotification.Kind.OVERDUE_STAFF, {"overdue_days": f"{days:g}"}
    )
    return recorded


def complete_order(number: str) -> Order:
    order = get_order(number)
    _advance(order, S.COMPLETED, "completed", "Order completed.")
    return order


# --- failure and cancellation -----------------------------------------------------------------


def mark_failed(number: str, reason: str, code: str = "") -> Order:
    """Move the order to failed with its reason (no-op once final)."""
    with transaction.atomic():
        order = lock_order(number)
        if order.status not in FINAL:
            events.move(
                order,
                S.FAILED,
                "failed",
                reason,
                data={"code": code},
                extra_fields={"failure_reason": reason},
                locked=True,
            )
    return order


def mark_cancelled(number: str, actor: str, reason: str = "") -> Order:
    """Move the order to cancelled, saying who did it (no-op once final)."""
    message = reason or f"Cancelled by {actor}."
    with transaction.atomic():
        order = lock_order(number)
        if order.status not in FINAL:
            events.move(
                order,
                S.CANCELLED,
                "cancelled",
                message,
                actor=actor,
                extra_fields={"failure_reason": message},
                locked=True,
            )
    return order


# --- emails ------------------------------------------------------------------------------------


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
        # Charged but not refunded: an undo step failed and staff will refund by hand.
        extra["refund_pending"] = (
            not extra["refunded"]
            and Payment.objects.filter(
                order=order, kind=Payment.Kind.CHARGE, status=Payment.Status.SUCCEEDED
            ).exists()
        )
    return notifications.send_order_email(order, kind, extra)


def delivery_timeout_seconds() -> float:
    return float(settings.ORDER_DELIVERY_TIMEOUT_DAYS) * 86400.0
