"""A single-use code and 10 checkouts at once, on PostgreSQL: exactly one order gets the
discount, the nine others are refused with ``voucher_exhausted`` (nothing placed for them,
the code removed from their carts), and the voucher counts one use."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connection

from cart.models import Cart
from orders.models import Order
from orders.services.checkout import CheckoutError, place_order
from promotions.models import Voucher, VoucherUsage
from tests.factories import CartItemFactory, ProductFactory
from tests.promotions.factories import VoucherFactory
from tests.promotions.test_vouchers import BERLIN, CARD

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL (concurrent writers)",
    ),
]
CHECKOUTS = 10


def test_single_use_code_goes_to_exactly_one_of_ten_concurrent_checkouts():
    # Given a single-use 10 % code and ten shoppers with it in their carts
    VoucherFactory(code="ONLYONE", value=Decimal("10"), usage_limit=1)
    product = ProductFactory(price=Decimal("20.00"))
    carts = []
    for _ in range(CHECKOUTS):
        cart = Cart.objects.create(session_key=uuid.uuid4().hex[:32], voucher_code="ONLYONE")
        CartItemFactory(cart=cart, product=product, quantity=1)
        carts.append(cart)
    barrier = threading.Barrier(CHECKOUTS)
    placed, refused, errors = [], [], []

    def checkout(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            result = place_order(
                cart=carts[index],
                email=f"shopper{index}@example.com",
                shipping_address=BERLIN,
                shipping_method="standard",
                card=CARD,
                checkout_token=uuid.uuid4().hex,
                start_workflow=False,
            )
            placed.append(result.order.number)
        except CheckoutError as exc:
            refused.append((exc.code, exc.message))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=checkout, args=(i,)) for i in range(CHECKOUTS)]
    # When they all check out at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Then one order is placed with the discount and nine are refused with a clear message
    assert errors == []
    assert len(placed) == 1
    assert refused == [
        (
            "voucher_exhausted",
            "The voucher ONLYONE has been used up. It was removed from your cart; please check "
            "your order again.",
        )
    ] * (CHECKOUTS - 1)
    order = Order.objects.get()
    assert (order.voucher_code, order.discount_total, order.total) == (
        "ONLYONE",
        Decimal("2.00"),
        Decimal("22.90"),
    )
    # And the voucher counts one use, by that order; the losers' carts lost the code
    assert Voucher.objects.get(code="ONLYONE").times_used == 1
    assert list(VoucherUsage.objects.values_list("order__number", "state")) == [
        (order.number, "taken")
    ]
    assert Cart.objects.filter(voucher_code="ONLYONE").count() == 0
