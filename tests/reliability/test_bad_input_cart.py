"""Bad input catalogue, cart pages (``/cart/add/``, ``/cart/update/``, ``/cart/remove/``).

The cart pages answer a form post with a redirect (post/redirect/get) and show what went wrong
as a message on the next page; a rejected post writes no cart line. No input gives a 500.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from cart.models import CartItem
from tests.factories import CartItemFactory, ProductFactory, UserFactory, row_counts

pytestmark = pytest.mark.django_db

WHOLE_NUMBER = "Please enter a whole number as the quantity."
AT_LEAST_ONE = "The quantity must be at least 1."
AT_MOST_99 = "You can order at most 99 of one product."
NO_SUCH_PRODUCT = "That product does not exist."
NOT_IN_CART = "That product is not in your cart."
CSRF_MESSAGE = "Your session expired or cookies are blocked."


@pytest.fixture
def teapot():
    return ProductFactory(name="Teapot", sku="TEA-1", price=Decimal("24.50"))


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


BAD_QUANTITIES = [
    pytest.param("-1", AT_LEAST_ONE, id="negative"),
    pytest.param("-999999999", AT_LEAST_ONE, id="very-negative"),
    pytest.param("0", AT_LEAST_ONE, id="zero"),
    pytest.param("100", AT_MOST_99, id="just-over-max"),
    pytest.param("1000000000", AT_MOST_99, id="huge"),
    pytest.param("9" * 40, AT_MOST_99, id="overflowing"),
    pytest.param("abc", WHOLE_NUMBER, id="letters"),
    pytest.param("1.5", WHOLE_NUMBER, id="decimal"),
    pytest.param("1e3", WHOLE_NUMBER, id="exponent"),
    pytest.param("0x10", WHOLE_NUMBER, id="hex"),
    pytest.param("", WHOLE_NUMBER, id="empty"),
    pytest.param("   ", WHOLE_NUMBER, id="blank"),
    pytest.param("NaN", WHOLE_NUMBER, id="nan"),
    pytest.param("1; DROP TABLE cart_cartitem", WHOLE_NUMBER, id="sql"),
    pytest.param("²", WHOLE_NUMBER, id="superscript-digit"),
]


@pytest.mark.parametrize("quantity, message", BAD_QUANTITIES)
def test_add_with_bad_quantity_is_refused_with_a_message(client, teapot, quantity, message):
    # given an anonymous shopper on the shop
    before = row_counts()

    # when they post a bad quantity to the add form
    response = client.post(
        "/cart/add/", {"product_id": str(teapot.pk), "quantity": quantity}, follow=True
    )

    # then they land back on the cart with the reason, and no cart line is written
    assert response.redirect_chain == [("/cart/", 302)]
    assert response.status_code == 200
    assert _messages(response) == [message]
    assert message in response.content.decode()
    assert row_counts() == before


BAD_PRODUCTS = [
    pytest.param("999999", NO_SUCH_PRODUCT, id="unknown-id"),
    pytest.param("-1", NO_SUCH_PRODUCT, id="negative-id"),
    pytest.param("abc", NO_SUCH_PRODUCT, id="letters"),
    pytest.param("", NO_SUCH_PRODUCT, id="empty"),
    pytest.param("9" * 40, NO_SUCH_PRODUCT, id="overflowing"),
    pytest.param("1 OR 1=1", NO_SUCH_PRODUCT, id="sql"),
    pytest.param("²", NO_SUCH_PRODUCT, id="superscript-digit"),
]


@pytest.mark.parametrize("product_id, message", BAD_PRODUCTS)
def test_add_unknown_product_is_refused_with_a_message(client, teapot, product_id, message):
    # given an anonymous shopper
    before = row_counts()

    # when they post a product id that names no product
    response = client.post("/cart/add/", {"product_id": product_id, "quantity": "1"}, follow=True)

    # then they are told, and no cart line is written
    assert response.redirect_chain == [("/cart/", 302)]
    assert _messages(response) == [message]
    assert row_counts() == before


def test_add_without_product_id_is_refused(client, teapot):
    # given an anonymous shopper
    before = row_counts()

    # when the form arrives without its product field
    response = client.post("/cart/add/", {"quantity": "1"}, follow=True)

    # then they are told, and nothing is written
    assert _messages(response) == [NO_SUCH_PRODUCT]
    assert row_counts() == before


def test_add_inactive_product_is_refused(client):
    # given a product taken off sale
    retired = ProductFactory(name="Retired Kettle", is_active=False)
    before = row_counts()

    # when a shopper posts it to the cart
    response = client.post(
        "/cart/add/", {"product_id": str(retired.pk), "quantity": "1"}, follow=True
    )

    # then they are told it is gone, and nothing is written
    assert _messages(response) == ["Retired Kettle is no longer available."]
    assert row_counts() == before


def test_add_more_than_in_stock_is_refused(client):
    # given a product with 3 units left
    product = ProductFactory(name="Rare Mug", stock__quantity=3)
    before = row_counts()

    # when a shopper asks for 4
    response = client.post(
        "/cart/add/", {"product_id": str(product.pk), "quantity": "4"}, follow=True
    )

    # then they are told how many are left, and nothing is written
    assert _messages(response) == ["Only 3 left of Rare Mug."]
    assert row_counts() == before


def test_add_ignores_tampered_price_fields(client, teapot):
    # given an anonymous shopper
    # when the add form arrives with extra price and total fields
    response = client.post(
        "/cart/add/",
        {
            "product_id": str(teapot.pk),
            "quantity": "2",
            "price": "0.01",
            "unit_price": "0.01",
            "total": "0.02",
            "subtotal": "0.02",
        },
        follow=True,
    )

    # then the line is added and priced from the database
    assert _messages(response) == ["Added Teapot to your cart (now 2 in it)."]
    assert list(CartItem.objects.values_list("product__sku", "quantity")) == [("TEA-1", 2)]
    assert response.context["summary"].subtotal == Decimal("49.00")
    assert "49.00" in response.content.decode()
    assert "0.02" not in response.content.decode()


@pytest.mark.parametrize(
    "path, data",
    [
        pytest.param("/cart/add/", {"quantity": "1"}, id="add"),
        pytest.param("/cart/update/", {"quantity": "5"}, id="update"),
        pytest.param("/cart/remove/", {}, id="remove"),
    ],
)
def test_cart_posts_without_csrf_token_are_forbidden(teapot, path, data):
    # given a logged-in shopper with the teapot in her cart, in a CSRF-enforcing browser
    alice = UserFactory(email="alice@example.com")
    CartItemFactory(cart__user=alice, product=teapot, quantity=1)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    before = row_counts()

    # when a cross-site form posts to the cart without the token
    response = browser.post(path, {"product_id": str(teapot.pk), **data})

    # then it is refused with a clear message and the cart is unchanged
    assert response.status_code == 403
    assert CSRF_MESSAGE in response.content.decode()
    assert row_counts() == before
    assert list(CartItem.objects.values_list("quantity", flat=True)) == [1]


@pytest.mark.parametrize(
    "path, data",
    [
        pytest.param("/cart/update/", {"quantity": "7"}, id="update"),
        pytest.param("/cart/remove/", {}, id="remove"),
    ],
)
@pytest.mark.parametrize("who", ["anonymous", "another shopper"])
def test_nobody_can_touch_someone_elses_cart(client, teapot, path, data, who):
    # given alice's cart holding one teapot, and someone else in another browser
    alice = UserFactory(email="alice@example.com")
    CartItemFactory(cart__user=alice, product=teapot, quantity=1)
    if who == "another shopper":
        client.force_login(UserFactory(email="mallory@example.com"))
    before = row_counts()

    # when they post an update or removal naming alice's product
    response = client.post(path, {"product_id": str(teapot.pk), **data}, follow=True)

    # then it is not in *their* cart, and alice's cart is untouched
    assert response.redirect_chain == [("/cart/", 302)]
    assert _messages(response) == [NOT_IN_CART]
    assert row_counts() == before
    assert list(CartItem.objects.values_list("cart__user__email", "quantity")) == [
        ("alice@example.com", 1)
    ]


@pytest.mark.parametrize("quantity, message", BAD_QUANTITIES[:11])
def test_update_with_bad_quantity_keeps_the_line(client, teapot, quantity, message):
    # given alice with one teapot in her cart
    alice = UserFactory(email="alice@example.com")
    CartItemFactory(cart__user=alice, product=teapot, quantity=1)
    client.force_login(alice)
    before = row_counts()

    # when she changes the quantity to something bad
    response = client.post(
        "/cart/update/", {"product_id": str(teapot.pk), "quantity": quantity}, follow=True
    )

    # then she is told why, and the line keeps its quantity
    assert _messages(response) == [message]
    assert row_counts() == before
    assert list(CartItem.objects.values_list("quantity", flat=True)) == [1]


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_cart_changes_need_post(client, teapot, method):
    # given an anonymous shopper
    before = row_counts()

    # when the add URL is called with another method
    response = getattr(client, method)("/cart/add/")

    # then it is refused, and nothing is written
    assert response.status_code == 405
    assert row_counts() == before


def test_open_redirect_in_next_is_ignored(client, teapot):
    # given an anonymous shopper
    # when the add form carries a "next" pointing off-site
    response = client.post(
        "/cart/add/",
        {"product_id": str(teapot.pk), "quantity": "1", "next": "https://evil.example/phish"},
    )

    # then the shopper stays on the shop
    assert response.status_code == 302
    assert response["Location"] == "/cart/"
