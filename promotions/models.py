"""Vouchers (discount codes) and their usage by orders (docs/TAXES.md, "Vouchers")."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class Voucher(models.Model):
    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage off"
        FIXED = "fixed", "Fixed amount off"

    code = models.CharField(
        max_length=40, unique=True, help_text="What shoppers type; stored in capitals."
    )
    description = models.CharField(max_length=200, blank=True, help_text="For staff.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERCENTAGE)
    value = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Percent, or an amount off the prices as entered (see PRICES_INCLUDE_TAX).",
    )
    free_shipping = models.BooleanField(default=False)
    minimum_subtotal = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="The cart's subtotal (as entered, before the discount) must reach this.",
    )
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Orders in total; empty: unlimited."
    )
    usage_limit_per_customer = models.PositiveIntegerField(
        null=True, blank=True, help_text="Orders per account or email address; empty: unlimited."
    )
    # Orders holding a usage now (taken at placement, given back when an order fails or is
    # cancelled before capture): changed only by promotions.services under the voucher's lock.
    times_used = models.PositiveIntegerField(default=0, editable=False)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="percentage") | models.Q(value__lte=100),
                name="voucher_percentage_at_most_100",
            ),
            models.CheckConstraint(
                condition=models.Q(usage_limit__isnull=True)
                | models.Q(times_used__lte=models.F("usage_limit")),
                name="voucher_used_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs) -> None:
        self.code = (self.code or "").strip().upper()
        super().save(*args, **kwargs)


class VoucherUsage(models.Model):
    """One order's use of a voucher. ``taken`` at placement (in the order's transaction);
    ``released`` once, when the order fails or is cancelled before its payment is captured."""

    class State(models.TextChoices):
        TAKEN = "taken", "Taken"
        RELEASED = "released", "Given back"

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="usages")
    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="voucher_usage"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(help_text="Lower-cased: the per-customer limit counts by it.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.TAKEN)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["voucher", "state", "email"]),
            models.Index(fields=["voucher", "state", "user"]),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_id} by order {self.order_id} ({self.state})"
