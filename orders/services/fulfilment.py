"""What ``OrderWorkflow``'s activities do for stock, shipment, delivery and the order's end, one
function per step, keyed by the order number (money is in ``billing``, emails in ``emails``).

Each function is idempotent (run twice = run once) and writes the order's status and an
``OrderEvent`` in the same transaction as its effect, under the order's row lock
(``shop.locks.locked_order``). Business failures raise ``orders.errors`` exceptions (or
``OutOfStock``); the activities turn them into non-retryable errors.
"""

from __future__ import annotations

import hashlib
import logging
from decimal import Decimal

from orders import events, inventory, notifications
from orders.errors import InvalidOrder, OrderClosed
from orders.models import EmailNotification, Order, OrderEvent, Shipment
from orders.status import FINAL, OrderStatus
from shop.locks import locked_order

logger = logging.getLogger(__name__)

S = OrderStatus
# The forward path; an order "is at or past" a status if it comes later in this list.
FORWARD = [
    S.RECEIVED,
    S.VALIDATED,
    S.RESERVED,
    S.AWAITING_PAYMENT,
    S.AUTHORIZED,
    S.PAID,
    S.SHIPPED,
    S.IN_TRANSIT,
    S.DELIVERED,
    S.COMPLETED,
]


def get_order(number: str) -> Order:
    """The order, unlocked (for steps that only read it before a provider or SMTP call)."""
    try:
        return Order.objects.get(number=number)
    except Order.DoesNotExist:
        raise InvalidOrder(f"Order {number} does not exist.") from None


def _reached(status: str, target: str) -> bool:
    return status in FORWARD and FORWARD.index(status) >= FORWARD.index(target)


def ensure_open(order: Order) -> None:
    if order.status in FINAL and order.status != S.COMPLETED:
        raise OrderClosed(f"Order {order.number} is already {order.get_status_display().lower()}.")


def advance(order: Order, target: str, kind: str, message: str = "", **kwargs) -> bool:
    """Move the locked ``order`` to ``target`` unless it is already there or further. True if
    moved."""
    if _reached(order.status, target):
        return False
    events.move(order, target, kind, message, **kwargs)
    return True


# --- validate --------------------------------------------------------------------------------


def validate_order(number: str) -> Order:
    """Check the order can be fulfilled and move it to validated. A final order is returned
    unchanged (the workflow then stops). Raises ``InvalidOrder``."""
    with locked_order(number) as order:
        if order.status in FINAL:
            return order
        _check(order)
        advance(order, S.VALIDATED, OrderEvent.Kind.VALIDATED, "Order validated.")
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
    with locked_order(number) as order:
        ensure_open(order)
        reservations = inventory.reserve(order)
        advance(
            order,
            S.RESERVED,
            OrderEvent.Kind.STOCK_RESERVED,
            "Stock reserved.",
            data={"items": {str(r.product_id): r.quantity for r in reservations}},
        )
    return order


def release_inventory(number: str) -> int:
    """Compensation: give back stock still reserved. Returns the reservations released."""
    with locked_order(number) as order:
        released = inventory.release(order)
        if released:
            events.record(
                order, OrderEvent.Kind.STOCK_RELEASED, f"Stock released ({released} products)."
            )
    return released


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
    with locked_order(number) as order:
        shipment = Shipment.objects.filter(order=order).first()
        if shipment is not None:
            return shipment
        ensure_open(order)
        carrier = carrier_for(number)
        shipment = Shipment.objects.create(
            order=order, carrier=carrier, tracking_number=tracking_number_for(number, carrier)
        )
        inventory.commit(order)
        advance(
            order,
            S.SHIPPED,
            OrderEvent.Kind.SHIPPED,
            f"Shipped with {carrier}, tracking number {shipment.tracking_number}.",
            data={"carrier": carrier, "tracking_number": shipment.tracking_number},
        )
    return shipment


# --- carrier events and delivery --------------------------------------------------------------


def apply_carrier_event(
    number: str, status: str, *, event_id: str = "", note: str = "", actor: str = "carrier"
) -> str:
    """Apply a carrier event (in_transit, delivered, exception). Returns the order's status.
    Repeated events (same ``event_id``) and moves already made are ignored."""
    data = {"event_id": event_id, "carrier_status": status}
    with locked_order(number) as order:
        if event_id and OrderEvent.objects.filter(order=order, data__event_id=event_id).exists():
            return order.status
        shipment = Shipment.objects.filter(order=order).first()
        if status == "in_transit":
            if advance(
                order,
                S.IN_TRANSIT,
                OrderEvent.Kind.IN_TRANSIT,
                note or "Parcel in transit.",
                actor=actor,
                data=data,
            ):
                Shipment.objects.filter(order=order).update(status="in_transit")
        elif status == "delivered":
            if advance(
                order,
                S.DELIVERED,
                OrderEvent.Kind.DELIVERED,
                note or "Parcel delivered.",
                actor=actor,
                data=data,
            ):
                Shipment.objects.filter(order=order).update(status="delivered")
        else:
            events.record(
                order,
                OrderEvent.Kind.CARRIER_EXCEPTION,
                note or "The carrier reported a problem.",
                actor=actor,
                data=data,
            )
            if shipment is not None:
                Shipment.objects.filter(pk=shipment.pk).update(status="exception")
    return order.status


def record_delivery_overdue(number: str, days: float) -> bool:
    """Record that delivery is overdue and alert staff, once. True if recorded now."""
    with locked_order(number) as order:
        recorded = not OrderEvent.objects.filter(
            order=order, kind=OrderEvent.Kind.DELIVERY_OVERDUE
        ).exists()
        if recorded:
            events.record(
                order,
                OrderEvent.Kind.DELIVERY_OVERDUE,
                f"Not delivered {days:g} days after shipping: staff alerted.",
                data={"days": days},
            )
    notifications.send_order_email(
        order, EmailNotification.Kind.OVERDUE_STAFF, {"overdue_days": f"{days:g}"}
    )
    return recorded


def complete_order(number: str) -> Order:
    with locked_order(number) as order:
        advance(order, S.COMPLETED, OrderEvent.Kind.COMPLETED, "Order completed.")
    return order


# --- failure and cancellation -----------------------------------------------------------------


def mark_failed(number: str, reason: str, code: str = "") -> Order:
    """Move the order to failed with its reason (no-op once final)."""
    with locked_order(number) as order:
        if order.status not in FINAL:
            events.move(
                order,
                S.FAILED,
                OrderEvent.Kind.FAILED,
                reason,
                data={"code": code},
                extra_fields={"failure_reason": reason},
            )
    return order


def mark_cancelled(number: str, actor: str, reason: str = "") -> Order:
    """Move the order to cancelled, saying who did it (no-op once final)."""
    message = reason or f"Cancelled by {actor}."
    with locked_order(number) as order:
        if order.status not in FINAL:
            events.move(
                order,
                S.CANCELLED,
                OrderEvent.Kind.CANCELLED,
                message,
                actor=actor,
                extra_fields={"failure_reason": message},
            )
    return order
