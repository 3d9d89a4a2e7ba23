"""A staff (or return) refund of part of a captured order, and the order lines it gives back.

Each ``Refund`` is one provider refund with its own idempotency key
(``order-<order>-refund-<seq>``, see ``refunds.amounts.next_seq``) and runs as its own
``RefundWorkflow`` (id ``refund-<order>-<seq>``). Amounts are gross (what the customer paid),
split into net and tax per rate (``tax_breakdown``) for the credit note.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class Refund(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        SUCCEEDED = "succeeded", "Refunded"
        FAILED = "failed", "Failed"

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="refunds")
    number = models.CharField(max_length=40, unique=True, help_text="<order>-R<seq>")
    seq = models.PositiveIntegerField(help_text="k in the number, the key and the workflow id.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    amount = models.DecimalField(max_digits=12, decimal_places=2, help_text="Gross, refunded.")
    net = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    tax = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    tax_breakdown = models.JSONField(
        default=list, blank=True, help_text='[{"rate": "19.00", "net": "..", "tax": ".."}]'
    )
    include_shipping = models.BooleanField(default=False)
    shipping_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), help_text="Gross."
    )
    free_amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text="Gross amount given back beyond items and shipping (goodwill).",
    )
    reason = models.TextField(blank=True)
    actor = models.CharField(max_length=150, help_text="Who asked: a staff email, returns.")
    return_number = models.CharField(max_length=40, blank=True, default="")
    payment = models.ForeignKey(
        "orders.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The provider refund as the shop recorded it.",
    )
    provider_reference = models.CharField(max_length=100, blank=True)
    credit_note_number = models.CharField(max_length=40, blank=True)
    failure_reason = models.TextField(blank=True)
    workflow_started_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty while its workflow is not started (sweeper)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seq"], name="refund_unique_order_seq"),
            models.UniqueConstraint(
                fields=["order", "return_number"],
                condition=~models.Q(return_number=""),
                name="refund_unique_order_return",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "workflow_started_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def idempotency_key(self) -> str:
        return f"order-{self.order.number}-refund-{self.seq}"

    @property
    def workflow_id(self) -> str:
        return f"refund-{self.order.number}-{self.seq}"


class RefundLine(models.Model):
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="refund_lines"
    )
    quantity = models.PositiveIntegerField()
    net = models.DecimalField(max_digits=12, decimal_places=2)
    tax = models.DecimalField(max_digits=12, decimal_places=2)
    gross = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="refund_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line.sku}"
