"""Order statuses and the moves allowed between them, declared as data.

Every move goes through ``orders.events.move`` which checks this table and writes an
``OrderEvent`` in the same transaction.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from orders import states


class OrderStatus(models.TextChoices):
    RECEIVED = states.RECEIVED, _("Received")
    VALIDATED = states.VALIDATED, _("Validated")
    RESERVED = states.RESERVED, _("Stock reserved")
    AWAITING_PAYMENT = states.AWAITING_PAYMENT, _("Awaiting payment")
    AUTHORIZED = states.AUTHORIZED, _("Payment authorized")
    PAID = states.PAID, _("Paid")
    SHIPPED = states.SHIPPED, _("Shipped")
    IN_TRANSIT = states.IN_TRANSIT, _("In transit")
    DELIVERED = states.DELIVERED, _("Delivered")
    COMPLETED = states.COMPLETED, _("Completed")
    PARTIALLY_REFUNDED = states.PARTIALLY_REFUNDED, _("Partially refunded")
    REFUNDED = states.REFUNDED, _("Refunded")
    FAILED = states.FAILED, _("Failed")
    CANCELLED = states.CANCELLED, _("Cancelled")


S = OrderStatus

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.VALIDATED, S.FAILED, S.CANCELLED}),
    S.VALIDATED: frozenset({S.RESERVED, S.FAILED, S.CANCELLED}),
    S.RESERVED: frozenset({S.AWAITING_PAYMENT, S.AUTHORIZED, S.PAID, S.FAILED, S.CANCELLED}),
    S.AWAITING_PAYMENT: frozenset({S.AUTHORIZED, S.FAILED, S.CANCELLED}),
    S.AUTHORIZED: frozenset({S.SHIPPED, S.FAILED, S.CANCELLED}),
    S.PAID: frozenset({S.SHIPPED, S.FAILED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.IN_TRANSIT, S.DELIVERED}),
    S.IN_TRANSIT: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.REFUNDED}),
    S.REFUNDED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}

# A shopper or staff member may cancel while nothing has left the warehouse.
CANCELLABLE = frozenset(
    {S.RECEIVED, S.VALIDATED, S.RESERVED, S.AWAITING_PAYMENT, S.AUTHORIZED, S.PAID}
)
# The workflow is still doing something (pages refresh themselves while in one of these).
IN_PROGRESS = frozenset(
    {
        S.RECEIVED,
        S.VALIDATED,
        S.RESERVED,
        S.AWAITING_PAYMENT,
        S.AUTHORIZED,
        S.PAID,
        S.SHIPPED,
        S.IN_TRANSIT,
        S.DELIVERED,
    }
)
FINAL = frozenset(OrderStatus(value) for value in states.FINAL)
# Statuses an order should leave within minutes (waiting for delivery takes days: not here);
# an order resting in one longer is stuck (admin filter, metrics).
SHORT_LIVED = frozenset(
    {S.RECEIVED, S.VALIDATED, S.RESERVED, S.AWAITING_PAYMENT, S.AUTHORIZED, S.PAID}
)


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED_TRANSITIONS.get(current, frozenset())
