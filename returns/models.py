"""Customer returns (RMA): a ``ReturnRequest`` per return, its ``ReturnLine``s per order line.

Written only by ``returns.services`` (under the order's row lock) and by the return's
workflow's activities; read by ``returns.selectors``. A return's number is
``<order>-RT<k>`` (``seq`` = k, 1, 2, ... per order) and its workflow's id
``return-<order>-<k>``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderLine


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")  # waiting for staff's decision
    APPROVED = "approved", _("Approved")  # waiting for the parcel
    REJECTED = "rejected", _("Rejected")
    IN_TRANSIT = "in_transit", _("On its way back")
    RECEIVED = "received", _("Received")  # units restocked, refund requested
    REFUNDED = "refunded", _("Refunded")
    REFUND_FAILED = "refund_failed", _("Refund pending with our staff")
    EXPIRED = "expired", _("Expired")


# A return in one of these no longer changes.
FINAL_STATUSES = frozenset(
    {ReturnStatus.REJECTED, ReturnStatus.REFUNDED, ReturnStatus.REFUND_FAILED, ReturnStatus.EXPIRED}
)
# Units of a return in these statuses don't count as returned (they may be asked for again).
VOID_STATUSES = frozenset({ReturnStatus.REJECTED, ReturnStatus.EXPIRED})


class ReturnRequest(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="returns")
    seq = models.PositiveIntegerField(help_text="k in the number <order>-RT<k>.")
    number = models.CharField(max_length=30, unique=True)
    status = models.CharField(
        max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED
    )
    reason = models.TextField(max_length=1000)
    tracking_number = models.CharField(
        max_length=50, unique=True, help_text="The return label's: the carrier reports by it."
    )
    instructions = models.TextField(blank=True)
    ship_by = models.DateTimeField(help_text="Not sent back by then: the return expires.")
    requested_by = models.CharField(max_length=150, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decision_note = models.TextField(blank=True, help_text="Why it was rejected (emailed).")
    refund_number = models.CharField(max_length=40, blank=True)
    workflow_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Empty while no workflow has been started (the sweeper starts it).",
    )
    received_at = models.DateTimeField(null=True, blank=True)
    restocked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seq"], name="return_unique_order_seq"),
        ]
        indexes = [models.Index(fields=["workflow_started_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def workflow_id(self) -> str:
        return workflow_id_for_return(self.order.number, self.seq)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


def workflow_id_for_return(order_number: str, seq: int) -> str:
    return f"return-{order_number}-{seq}"


class ReturnCondition(models.TextChoices):
    RESTOCK = "restock", _("Restocked")
    DAMAGED = "damaged", _("Damaged")


class ReturnLine(models.Model):
    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    condition = models.CharField(
        max_length=10, choices=ReturnCondition.choices, blank=True, help_text="Once received."
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="return_line_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["return_request", "order_line"], name="return_line_unique_order_line"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line_id}"
