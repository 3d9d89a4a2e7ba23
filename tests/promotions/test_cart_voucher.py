"""The cart keeps its voucher: through a login merge, and off the cart once an order used it."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from cart.models import Cart
from cart.services import apply_voucher, merge_into_user_cart, summarize
from tests.factories import CartItemFactory, ProductFactory, UserFactory
from tests.promotions.factories import VoucherFactory
from tests.promotions.test_vouchers import place

pytestmark = pytest.mark.django_db


def test_a_voucher_applied_before_login_comes_along():
    # Given an anonymous cart with a 10 % voucher
    VoucherFactory(code="TEN", value=Decimal("10"))
    anonymous = Cart.objects.create(session_key=uuid.uuid4().hex[:32])
    CartItemFactory(cart=anonymous, product=ProductFactory(price=Decimal("20.00")), quantity=1)
    apply_voucher(anonymous, "ten")
    user = UserFactory()
    # When the shopper logs in (the carts merge)
    merge_into_user_cart(anonymous, user)
    # Then the user's cart has the voucher and its discount
    summary = summarize(Cart.objects.get(user=user), user=user)
    assert (summary.voucher_code, summary.discount, summary.total) == (
        "TEN",
        Decimal("2.00"),
        Decimal("18.00"),
    )


def test_an_order_takes_the_voucher_off_the_cart():
    # Given a cart with a voucher
    VoucherFactory(code="TEN", value=Decimal("10"))
    cart = Cart.objects.create(session_key=uuid.uuid4().hex[:32], voucher_code="TEN")
    CartItemFactory(cart=cart, product=ProductFactory(price=Decimal("20.00")), quantity=1)
    # When an order is placed from it
    order = place(cart)
    # Then the order has the voucher and the cart's next order starts without it
    cart.refresh_from_db()
    assert (order.voucher_code, cart.voucher_code) == ("TEN", "")
