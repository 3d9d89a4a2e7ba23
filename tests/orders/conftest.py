"""Fixtures shared by the order page tests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import (
    OrderEventFactory,
    OrderFactory,
    OrderLineFactory,
    PaymentFactory,
    ProductFactory,
    ShipmentFactory,
    UserFactory,
)


@pytest.fixture
def shopper():
    return UserFactory(email="ada@example.com")


@pytest.fixture
def shipped_order(shopper):
    order = OrderFactory(
        number="S0000042",
        user=shopper,
        email=shopper.email,
        status="shipped",
        subtotal=Decimal("39.98"),
        shipping_cost=Decimal("4.90"),
        total=Decimal("44.88"),
        card_brand="visa",
        card_last4="4242",
    )
    OrderLineFactory(
        order=order,
        product=ProductFactory(name="Brass Telescope", sku="TEL-001"),
        unit_price=Decimal("19.99"),
        quantity=2,
    )
    PaymentFactory(order=order, amount=Decimal("44.88"))
    ShipmentFactory(order=order, carrier="Parcelforce", tracking_number="TRK000000777")
    OrderEventFactory(order=order, kind="placed", to_status="received", message="Order placed.")
    OrderEventFactory(order=order, kind="paid", to_status="paid", message="Payment received.")
    OrderEventFactory(
        order=order, kind="shipped", to_status="shipped", message="Handed to carrier."
    )
    return order
