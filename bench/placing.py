"""Placing orders for the order benchmark: in this process or in spawned placing processes
(as web workers would), plus CPU accounting from ``/proc``."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from bench.common import setup_django


def place_one(product, clock: list[float] | None = None):  # noqa: ANN001, ANN201
    """One order of one unit of ``product`` through ``place_order``, as checkout does. The
    shopper's cart is filled first; ``clock`` gets the time ``place_order`` was called."""
    from cart.models import Cart, CartItem
    from orders.payments.fake import FakeGateway
    from orders.services.checkout import place_order

    cart = Cart.objects.create(session_key=uuid.uuid4().hex[:32])
    CartItem.objects.create(cart=cart, product=product, quantity=1)
    card = FakeGateway().tokenize("4242424242424242", 12, 2099, "123")
    if clock is not None:
        clock.append(time.perf_counter())
    return place_order(
        cart=cart,
        email="bench@example.com",
        shipping_address={
            "full_name": "Bench Mark",
            "line1": "1 Loop Road",
            "city": "Berlin",
            "postal_code": "10115",
            "country": "DE",
        },
        shipping_method="standard",
        card=card,
        checkout_token=uuid.uuid4().hex,
    ).order


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def placer_init(temporal_address: str, conn_max_age: int | None) -> None:
    """A placing process: Django on the same database (already migrated), same server."""
    setup_django(conn_max_age=conn_max_age, migrate=False)
    from django.conf import settings

    settings.TEMPORAL_ADDRESS = temporal_address


def placer_ready(_: int) -> int:
    time.sleep(0.2)  # lets every process of the pool take one: all of them start now
    return os.getpid()


def placer_place(job: tuple[int, str]) -> str:
    from django.conf import settings
    from django.db import close_old_connections

    from catalog.models import Product

    product_id, queue = job
    settings.TEMPORAL_TASK_QUEUE = queue
    order = place_one(Product.objects.get(pk=product_id))
    if order.workflow_started_at is None:
        raise RuntimeError(f"order {order.number}: the workflow did not start")
    close_old_connections()
    return order.number
