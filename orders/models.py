from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django_countries import countries

from orders.status import CANCELLABLE, IN_PROGRESS, OrderStatus


class Order(models.Model):
    number = models.CharField(max_length=20, unique=True)
    checkout_token = models.CharField(
        max_length=64, unique=True, help_text="Makes a repeated checkout submit return this order."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    email = models.EmailField()
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.RECEIVED
    )

    # Shipping address snapshot.
    ship_full_name = models.CharField("full name", max_length=150)
    ship_line1 = models.CharField("address line 1", max_length=200)
    ship_line2 = models.CharField("address line 2", max_length=200, blank=True)
    ship_city = models.CharField("city", max_length=100)
    ship_postal_code = models.CharField("postal code", max_length=20)
    ship_country = models.CharField("country", max_length=2)
    ship_phone = models.CharField("phone", max_length=30, blank=True)

    shipping_method = models.CharField(max_length=20)
    currency = models.CharField(max_length=3, default="EUR")
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    shipping_cost = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    # Promotions and VAT (taxes.calculation fills them at placement; docs/TAXES.md).
    voucher_code = models.CharField(max_length=40, blank=True)
    discount_total = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), help_text="Gross, incl. VAT."
    )
    prices_include_tax = models.BooleanField(
        default=True, help_text="Catalog prices were entered with VAT included (gross)."
    )
    net_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    tax_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    shipping_tax_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0.00"), help_text="Percent."
    )
    shipping_net = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    shipping_tax = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    tax_breakdown = models.JSONField(
        default=list,
        blank=True,
        help_text='Tax per rate: [{"rate": "19.00", "net": "10.00", "tax": "1.90"}], as strings.',
    )
    language = models.CharField(
        max_length=10,
        default="en",
        help_text="The customer's language at checkout: the order's emails are written in it.",
    )

    # Payment method: the gateway's token plus display data. The card number is never stored.
    payment_token = models.CharField(max_length=100)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)

    failure_reason = models.TextField(blank=True)
    workflow_id = models.CharField(max_length=100, blank=True)
    workflow_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Empty while no workflow has been started (the sweeper starts it).",
    )
    link_version = models.PositiveIntegerField(
        default=0,
        help_text="Raised by staff to revoke the order links already sent (orders.links).",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total__gte=0), name="order_total_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["workflow_started_at"]),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", kwargs={"number": self.number})

    @property
    def temporal_workflow_id(self) -> str:
        return f"order-{self.number}"

    @property
    def is_cancellable(self) -> bool:
        return self.status in CANCELLABLE

    @property
    def is_in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    def shipping_address_lines(self) -> list[str]:
        lines = [
            self.ship_full_name,
            self.ship_line1,
            self.ship_line2,
            f"{self.ship_postal_code} {self.ship_city}",
            str(countries.name(self.ship_country) or self.ship_country),  # in the active language
        ]
        return [line for line in lines if line]


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalog.Product", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    unit_price = models.DecimalField(
        max_digits=10, decimal_places=2, help_text="The catalog price as entered (see Order)."
    )
    quantity = models.PositiveIntegerField()
    # What the line costs after its share of the discount, rounded per line (docs/TAXES.md).
    tax_class = models.CharField(max_length=20, default="standard")
    tax_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0.00"), help_text="Percent."
    )
    discount_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), help_text="Gross share."
    )
    net_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    gross_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), help_text="Net + tax: paid."
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.UniqueConstraint(fields=["order", "product"], name="order_line_unique_product"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


class OrderEvent(models.Model):
    """The audit trail: one row per status move or notable thing that happened to an order."""

    class Kind(models.TextChoices):
        PLACED = "placed", "Order placed"
        WORKFLOW_STARTED = "workflow_started", "Order process started"
        VALIDATED = "validated", "Order checked"
        STOCK_RESERVED = "stock_reserved", "Stock reserved"
        STOCK_RELEASED = "stock_released", "Stock released"
        PAYMENT_CHARGED = "payment_charged", "Payment received"
        PAYMENT_AUTHORIZED = "payment_authorized", "Payment authorized"
        PAYMENT_CAPTURED = "payment_captured", "Payment captured"
        PAYMENT_VOIDED = "payment_voided", "Payment authorization released"
        PAYMENT_FAILED = "payment_failed", "Payment failed"
        PAYMENT_REFUNDED = "payment_refunded", "Payment refunded"
        SHIPPED = "shipped", "Shipped"
        IN_TRANSIT = "in_transit", "In transit"
        DELIVERED = "delivered", "Delivered"
        CARRIER_EXCEPTION = "carrier_exception", "Carrier problem"
        DELIVERY_OVERDUE = "delivery_overdue", "Delivery overdue"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        EMAIL_SENT = "email_sent", "Email sent"
        COMPENSATION_FAILED = "compensation_failed", "Could not be undone automatically"
        # Staff notes: shown in the admin, never on shopper pages or in the API.
        STAFF_ACTION = "staff_action", "Staff action"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    actor = models.CharField(
        max_length=150, blank=True, help_text="Who did it: system, a staff email, carrier..."
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["order", "created_at"])]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.kind}"


class Reservation(models.Model):
    """Stock held for one order line. Changed only by ``orders.inventory``."""

    class State(models.TextChoices):
        RESERVED = "reserved", "Reserved"
        RELEASED = "released", "Released"
        COMMITTED = "committed", "Committed"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="reservations")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="reservations"
    )
    quantity = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.RESERVED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "product"], name="reservation_unique_order_product"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="reservation_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x product {self.product_id} ({self.state})"


def decline_message(code: str) -> str:
    """A declined card's reason in the shopper's words."""
    if code == "insufficient_funds":
        return "The payment failed: the card has insufficient funds."
    return "The payment was declined by the card issuer."


class Payment(models.Model):
    """A call to the payment provider as the shop sees it: an authorization, its capture or
    void, a refund (or, for orders from before authorizing first, a charge). Each provider call
    has its own idempotency key; an order may have several declined authorizations (the shopper
    paid again) but at most one successful payment of each kind other than refunds."""

    class Kind(models.TextChoices):
        CHARGE = "charge", "Charge"
        AUTHORIZATION = "authorization", "Authorization"
        CAPTURE = "capture", "Capture"
        VOID = "void", "Authorization released"
        REFUND = "refund", "Refund"

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    idempotency_key = models.CharField(max_length=100, unique=True)
    gateway = models.CharField(max_length=100)
    gateway_reference = models.CharField(max_length=100, blank=True)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    failure_code = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=models.Q(status="succeeded") & ~models.Q(kind="refund"),
                name="payment_one_succeeded_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} ({self.status})"

    @property
    def failure_message(self) -> str:
        return decline_message(self.failure_code) if self.status == self.Status.FAILED else ""


class Shipment(models.Model):
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="shipment")
    carrier = models.CharField(max_length=50)
    tracking_number = models.CharField(max_length=50, unique=True)
    status = models.CharField(max_length=20, default="created")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class EmailNotification(models.Model):
    """Each email an order sends, once per kind (and reference): the intent, committed before
    sending, with the ``Message-ID`` every attempt uses; ``sent_at`` once the mail server took
    it."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Order confirmation"
        DELIVERED = "delivered", "Delivery notification"
        FAILED = "failed", "Order failed"
        CANCELLED = "cancelled", "Order cancelled"
        OVERDUE_STAFF = "overdue_staff", "Delivery overdue (staff)"
        COMPENSATION_STAFF = "compensation_staff", "Compensation failed (staff)"
        # One per refund / return: ``reference`` holds the refund's or return's number.
        REFUND = "refund", "Refund"
        RETURN_REQUESTED = "return_requested", "Return requested"
        RETURN_APPROVED = "return_approved", "Return approved"
        RETURN_REJECTED = "return_rejected", "Return rejected"
        RETURN_RECEIVED = "return_received", "Return received"
        RETURN_EXPIRED = "return_expired", "Return expired"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Several emails of one kind (a refund, a return) are told apart by their number here.
    reference = models.CharField(max_length=40, blank=True, default="")
    recipient = models.CharField(max_length=500)
    subject = models.CharField(max_length=200)
    # Every attempt sends with this header, so a repeated uncertain send is one message.
    message_id = models.CharField(max_length=200, blank=True)
    # The send lease: set when an attempt starts sending (see orders.notifications).
    send_started_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind", "reference"], name="notification_unique_order_kind_ref"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}"


class GatewayTransaction(models.Model):
    """The built-in fake payment provider's own ledger (stands in for the provider's database).

    Keyed by the idempotency key so a retried call, from any process, returns the first result.
    """

    idempotency_key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10)  # charge | refund
    token = models.CharField(max_length=100)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20)  # succeeded | declined | insufficient_funds
    reference = models.CharField(max_length=100, unique=True)
    attempts = models.PositiveIntegerField(
        default=0, help_text="Calls seen for this key, retries included."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference} ({self.status})"
