"""Query counts with a voucher and VAT: the cart page, the checkout POST and the order page
are pinned and do not grow with the number of lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cart.models import Cart
from orders.models import Order
from tests.factories import CartItemFactory, ProductFactory, UserFactory
from tests.promotions.factories import VoucherFactory

pytestmark = pytest.mark.django_db

FORM = {
    "email": "ada@example.com",
    "shipping_method": "standard",
    "full_name": "Ada Lovelace",
    "line1": "Unter den Linden 1",
    "city": "Berlin",
    "postal_code": "10117",
    "country": "DE",
    "card_number": "4242 4242 4242 4242",
    "expiry": "12/39",
    "cvc": "123",
}


def shopper_with_cart(client, lines: int) -> Cart:
    """A logged-in shopper whose cart has ``lines`` products (both tax classes) and a
    once-per-customer voucher."""
    user = UserFactory()
    client.force_login(user)
    VoucherFactory(code="TEN", value=Decimal("10"), usage_limit_per_customer=1)
    cart = Cart.objects.create(user=user, voucher_code="TEN")
    for index in range(lines):
        product = ProductFactory(tax_class="reduced" if index % 2 else "standard")
        CartItemFactory(cart=cart, product=product)
    return cart


def count(client, method: str, url: str, data: dict | None = None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
    return len(queries), response


@pytest.mark.parametrize("lines", [1, 8])
def test_cart_page_queries_are_pinned(client, lines):
    # Given a cart with a voucher and 1 or 8 lines
    shopper_with_cart(client, lines)
    # When the cart page renders: user, cart, lines (products and stock joined), VAT rates of
    # the shop's country, the voucher, the shopper's earlier uses of it (the session comes
    # from the cache), and once more (the VAT rates too come from the cache then)
    queries, response = count(client, "get", "/cart/")
    again, _ = count(client, "get", "/cart/")
    # Then 6 queries, then 5, whatever the number of lines, and the discount is shown
    assert response.status_code == 200
    assert 'data-testid="cart-discount"' in response.content.decode()
    assert (queries, again) == (6, 5)


@pytest.mark.parametrize("lines", [1, 8])
def test_checkout_post_queries_are_pinned(client, lines):
    # Given a reviewed checkout of a cart with a voucher and 1 or 8 lines
    shopper_with_cart(client, lines)
    page = client.get("/checkout/")
    data = {
        **FORM,
        "checkout_token": page.context["checkout_token"],
        "cart_version": page.context["cart_version"],
    }
    # When it is posted (Temporal is down: the start fails fast after commit)
    queries, response = count(client, "post", "/checkout/", data)
    # Then the order is placed with its discount in 24 queries, whatever the number of lines:
    # the 18 of a checkout without a voucher (the session from the cache; 6 savepoints), plus
    # the voucher's lock, the customer's earlier uses, its use counted (a conditional UPDATE)
    # and recorded, and the code taken off the cart
    assert response.status_code == 302
    assert Order.objects.get().discount_total > 0
    assert queries == 24


def place_with_voucher(client, lines: int, email: str) -> Order:
    shopper_with_cart(client, lines)
    page = client.get("/checkout/")
    response = client.post(
        "/checkout/",
        {
            **FORM,
            "email": email,
            "checkout_token": page.context["checkout_token"],
            "cart_version": page.context["cart_version"],
        },
    )
    assert response.status_code == 302
    return Order.objects.get(email=email)


def test_order_page_queries_do_not_grow_with_lines(client):
    # Given two placed orders with a voucher, of 1 and of 8 lines (both tax classes)
    small = place_with_voucher(client, 1, "small@example.com")
    small_queries, small_page = count(client, "get", f"/orders/{small.number}/")
    client.logout()
    large = place_with_voucher(client, 8, "large@example.com")
    # When their pages render
    large_queries, large_page = count(client, "get", f"/orders/{large.number}/")
    # Then the totals (discount, VAT per rate) come from the order's row with no query of
    # their own: both pages take the same number of queries, at most 9 (session, user, order,
    # lines, events, payments, cart count, and the refund/return sections)
    assert 'data-testid="detail-discount"' in small_page.content.decode()
    assert 'data-testid="detail-vat-7"' in large_page.content.decode()
    assert small_queries == large_queries <= 9
