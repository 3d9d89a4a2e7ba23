"""Order status values as plain strings: the one list of them.

Django-free so that the workflow sandbox may import it (``OrderWorkflow`` reports the status its
activities leave behind). ``orders.status`` builds the model's ``TextChoices`` and the allowed
transitions from these values.
"""

RECEIVED = "received"  # saved; the workflow may not be started yet
VALIDATED = "validated"
RESERVED = "reserved"
AWAITING_PAYMENT = "awaiting_payment"  # the card was declined; the shopper may pay again
AUTHORIZED = "authorized"  # the card holds the total; captured once the parcel ships
PAID = "paid"  # charged at once: orders started before the shop authorized first
SHIPPED = "shipped"
IN_TRANSIT = "in_transit"
DELIVERED = "delivered"
COMPLETED = "completed"
PARTIALLY_REFUNDED = "partially_refunded"  # staff refunded part of a captured order
REFUNDED = "refunded"  # everything captured was given back
FAILED = "failed"
CANCELLED = "cancelled"

FINAL = (COMPLETED, FAILED, CANCELLED, PARTIALLY_REFUNDED, REFUNDED)
