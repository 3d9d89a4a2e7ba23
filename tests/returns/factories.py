"""Delivered orders to return, and returns, for the returns tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from orders.models import Order, OrderEvent
from returns.models import ReturnLine, ReturnRequest
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory


def delivered_order(
    *,
    user=None,
    quantities: tuple[int, ...] = (2,),
    days_ago: float = 1.0,
    status: str = "completed",
    stock: int = 10,
) -> Order:
    """A completed order with one line per quantity (product price 10.00, ``stock`` in
    stock), delivered ``days_ago`` days ago (its ``delivered`` event)."""
    order = OrderFactory(
        user=user, status=status, email=user.email if user else "guest@example.com"
    )
    for quantity in quantities:
        product = ProductFactory(price=Decimal("10.00"), stock__quantity=stock)
        OrderLineFactory(order=order, product=product, quantity=quantity)
    event = OrderEvent.objects.create(
        order=order, kind=OrderEvent.Kind.DELIVERED, from_status="shipped", to_status="delivered"
    )
    OrderEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    return order


def make_return(order: Order, status: str = "approved", units: dict | None = None) -> ReturnRequest:
    """A return of ``units`` (OrderLine -> quantity; default 1 of the first line)."""
    seq = ReturnRequest.objects.filter(order=order).count() + 1
    ret = ReturnRequest.objects.create(
        order=order,
        seq=seq,
        number=f"{order.number}-RT{seq}",
        status=status,
        reason="Too small",
        tracking_number=f"RTTEST{order.pk:06d}{seq}",
        ship_by=timezone.now() + timedelta(days=14),
    )
    for line, quantity in (units or {order.lines.order_by("pk").first(): 1}).items():
        ReturnLine.objects.create(return_request=ret, order_line=line, quantity=quantity)
    return ret
