"""Helpers for the workflow tests: orders with stock, starting workflows, bounded polling."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django.db import close_old_connections

from catalog.models import StockLevel
from orders.models import Order
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory
from workflows.client import order_input
from workflows.types import workflow_id_for
from workflows.workflow import OrderWorkflow

T = TypeVar("T")

SUCCESS = "tok_success_test"
DECLINED = "tok_declined_test"
INSUFFICIENT = "tok_insufficient_test"
TRANSIENT = "tok_transient_test"


def make_order(
    *,
    token: str = SUCCESS,
    quantity: int = 2,
    stock: int = 10,
    price: str = "19.99",
    lines: int = 1,
) -> Order:
    """A received order of ``lines`` products (``quantity`` each, ``stock`` in stock each) with
    totals that add up, and a number unique across test sessions on a shared server."""
    products = [ProductFactory(price=Decimal(price)) for _ in range(lines)]
    for product in products:
        StockLevel.objects.update_or_create(product=product, defaults={"quantity": stock})
    subtotal = Decimal(price) * quantity * lines
    order = OrderFactory(
        number=f"W{uuid.uuid4().hex[:12].upper()}",
        payment_token=token,
        subtotal=subtotal,
        shipping_cost=Decimal("4.90"),
        total=subtotal + Decimal("4.90"),
    )
    for product in products:
        OrderLineFactory(order=order, product=product, quantity=quantity)
    return order


async def start(client: Any, order: Order, task_queue: str) -> Any:
    return await client.start_workflow(
        OrderWorkflow.run,
        order_input(order.number),
        id=workflow_id_for(order.number),
        task_queue=task_queue,
    )


def wait_for(check: Callable[[], T], timeout: float = 15.0, interval: float = 0.05) -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        close_old_connections()
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {check}")
        time.sleep(interval)


def status_of(order: Order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def stock_of(order: Order) -> list[int]:
    return list(
        StockLevel.objects.filter(product_id__in=order.lines.values("product_id"))
        .order_by("product_id")
        .values_list("quantity", flat=True)
    )
