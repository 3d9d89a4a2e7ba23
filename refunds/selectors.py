"""Reads about an order's refunds: what was captured, what is already given back."""

from __future__ import annotations

from django.db.models import QuerySet, Sum

from orders.models import Order, Payment
from refunds.models import Refund, RefundLine


def captured_payment(order: Order) -> Payment | None:
    """The money taken for the order: its capture, or the charge of an order from before the
    shop authorized first."""
    return (
        Payment.objects.filter(
            order=order,
            kind__in=(Payment.Kind.CAPTURE, Payment.Kind.CHARGE),
            status=Payment.Status.SUCCEEDED,
        )
        .order_by("pk")
        .first()
    )


def _live(order: Order) -> QuerySet[Refund]:
    """Refunds that count against what is left: requested (in flight) or succeeded."""
    return Refund.objects.filter(order=order).exclude(status=Refund.Status.FAILED)


def refunded_quantities(order: Order) -> dict[int, int]:
    """``OrderLine.pk`` -> units given back (or being given back)."""
    rows = (
        RefundLine.objects.filter(refund__in=_live(order))
        .values("order_line_id")
        .annotate(units=Sum("quantity"))
    )
    return {row["order_line_id"]: row["units"] for row in rows}


def shipping_refunded(order: Order) -> bool:
    return _live(order).filter(include_shipping=True).exists()


def order_refunds(order: Order) -> QuerySet[Refund]:
    """The order's refunds with their lines, oldest first (pages, admin, API)."""
    return Refund.objects.filter(order=order).prefetch_related("lines__order_line").order_by("seq")
