"""Bad input catalogue, REST API checkout and orders (``/api/checkout/``, ``/api/orders/...``).

Every rejected call is a 4xx JSON ``{code, detail[, errors]}`` saying what is wrong, never a
500, and writes nothing (order, lines, events, cart lines, payments). Other people's carts and
orders are 404s. Prices and totals come from the database whatever the body carries.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from orders.models import Order
from tests.factories import (
    OrderEventFactory,
    OrderFactory,
    ProductFactory,
    UserFactory,
    row_counts,
)
from tests.reliability.api_input import assert_error, checkout_body, idempotency_key, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def teapot():
    return ProductFactory(name="Teapot", sku="TEA-1", price=Decimal("24.50"))


# --- Checkout ----------------------------------------------------------------------------------


@pytest.fixture
def api_shopper(client, teapot) -> Client:
    response = post_json(client, "/api/cart/items/", {"product_id": teapot.pk, "quantity": 2})
    assert response.status_code == 201
    return client


def test_api_checkout_control_places_the_order(api_shopper):
    # given a caller with two teapots in the cart
    # when they check out with a valid body
    response = post_json(api_shopper, "/api/checkout/", checkout_body(), **idempotency_key())

    # then the order is placed from database prices
    assert response.status_code == 201
    assert (response.json()["total"], Order.objects.get().total) == ("53.90", Decimal("53.90"))


def test_api_checkout_ignores_tampered_totals(api_shopper):
    # given a caller with two teapots in the cart
    # when the checkout body carries made-up prices, lines, status and owner
    body = checkout_body(
        total="0.01",
        subtotal="0.01",
        shipping_cost="0",
        status="completed",
        number="HACKED",
        user=1,
        lines=[{"sku": "TEA-1", "unit_price": "0.01", "quantity": 50}],
    )
    response = post_json(api_shopper, "/api/checkout/", body, **idempotency_key())

    # then the order is priced and set up from the database alone
    order = Order.objects.get()
    assert response.status_code == 201
    assert (order.total, order.status, order.user_id) == (Decimal("53.90"), "received", None)
    assert order.number != "HACKED"
    assert list(order.lines.values_list("sku", "unit_price", "quantity")) == [
        ("TEA-1", Decimal("24.50"), 2)
    ]


BAD_CHECKOUT = [
    pytest.param(
        {"card": {"number": "4242424242424241", "exp_month": 12, "exp_year": 2039, "cvc": "1"}},
        "invalid",
        "card.cvc: Ensure this field has at least 3 characters.",
        id="cvc-short",
    ),
    pytest.param(
        {"card": {"number": "4242424242424242", "exp_month": 13, "exp_year": 2039, "cvc": "123"}},
        "invalid",
        "card.exp_month: Ensure this value is less than or equal to 12.",
        id="month-13",
    ),
    pytest.param(
        {"card": "4242424242424242"},
        "invalid",
        "card.non_field_errors: Invalid data. Expected a dictionary, but got str.",
        id="card-not-object",
    ),
    pytest.param(
        {"shipping_method": "teleport"},
        "invalid",
        'shipping_method: "teleport" is not a valid choice.',
        id="shipping-method",
    ),
    pytest.param(
        {"email": "x" * 300 + "@example.com"},
        "invalid",
        "email: Ensure this field has no more than 254 characters.",
        id="email-huge",
    ),
    pytest.param({"email": None}, "invalid", "email: This field may not be null.", id="email-null"),
    pytest.param(
        {"shipping_address": {"full_name": "Grace Hopper"}},
        "invalid",
        "shipping_address.line1: This field is required.",
        id="address-incomplete",
    ),
    pytest.param(
        {"shipping_address": []},
        "invalid",
        "shipping_address.non_field_errors: Invalid data. Expected a dictionary, but got list.",
        id="address-list",
    ),
]


# Well-formed cards the gateway can't use: semantically invalid values (422).
UNUSABLE_CARDS = [
    pytest.param(
        {"card": {"number": "4242424242424241", "exp_month": 12, "exp_year": 2039, "cvc": "123"}},
        "invalid_number",
        "That card number is not valid.",
        id="luhn",
    ),
    pytest.param(
        {"card": {"number": "4242424242424242", "exp_month": 1, "exp_year": 2020, "cvc": "123"}},
        "expired_card",
        "That card has expired.",
        id="expired",
    ),
]


@pytest.mark.parametrize("overrides, code, detail", UNUSABLE_CARDS)
def test_api_unusable_card_is_a_422(api_shopper, overrides, code, detail):
    # given a caller with two teapots in the cart
    before = row_counts()

    # when they check out with a well-formed card that can't be used
    response = post_json(
        api_shopper, "/api/checkout/", checkout_body(**overrides), **idempotency_key()
    )

    # then it is a 422 that says what is wrong, and nothing is written
    assert_error(response, 422, code, detail, before)


@pytest.mark.parametrize("overrides, code, detail", BAD_CHECKOUT)
def test_api_bad_checkout_is_a_400(api_shopper, overrides, code, detail):
    # given a caller with two teapots in the cart
    before = row_counts()

    # when they check out with a bad body
    response = post_json(
        api_shopper, "/api/checkout/", checkout_body(**overrides), **idempotency_key()
    )

    # then it is a 400 that says what is wrong, and nothing is written
    assert_error(response, 400, code, detail, before)


@pytest.mark.parametrize(
    "key", [None, "", "short", "x" * 65, "spaces are bad", "<script>alert(1)</script>"]
)
def test_api_checkout_needs_a_good_idempotency_key(api_shopper, key):
    # given a caller with two teapots in the cart
    before = row_counts()
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}

    # when they check out without a usable Idempotency-Key
    response = post_json(api_shopper, "/api/checkout/", checkout_body(), **headers)

    # then it is a 400 explaining the header, and nothing is written
    assert_error(
        response,
        400,
        "idempotency_key_required",
        "Send an Idempotency-Key header (8-64 letters, digits or . _ : -), e.g. a UUID, "
        "and reuse it when retrying.",
        before,
    )


def test_api_checkout_with_an_empty_cart_is_a_409(client, teapot):
    # given a caller with an empty cart
    before = row_counts()

    # when they check out
    response = post_json(client, "/api/checkout/", checkout_body(), **idempotency_key())

    # then it is refused as a conflict with the reason, and nothing is written
    assert_error(response, 409, "empty_cart", "Your cart is empty.", before)


# --- Orders ------------------------------------------------------------------------------------


@pytest.fixture
def alice_order():
    alice = UserFactory(email="alice@example.com")
    order = OrderFactory(number="A0000001", user=alice, email=alice.email)
    OrderEventFactory(order=order)
    return order


def test_api_owner_sees_her_order(client, alice_order):
    # given alice logged in (control for the 404s below)
    client.force_login(alice_order.user)

    # when she asks for her order
    response = client.get("/api/orders/A0000001/")

    # then she gets it
    assert response.status_code == 200
    assert response.json()["number"] == "A0000001"


@pytest.mark.parametrize("who", ["anonymous", "another shopper"])
@pytest.mark.parametrize(
    "method, path",
    [
        pytest.param("get", "/api/orders/A0000001/", id="detail"),
        pytest.param("post", "/api/orders/A0000001/cancel/", id="cancel"),
    ],
)
def test_api_someone_elses_order_is_not_found(client, alice_order, who, method, path):
    # given someone who is not alice
    if who == "another shopper":
        client.force_login(UserFactory(email="mallory@example.com"))
    before = row_counts()

    # when they read or cancel alice's order
    response = client.generic(method.upper(), path, "{}", content_type="application/json")

    # then it does not exist for them, and nothing is written
    assert_error(response, 404, "not_found", "Not found.", before)
    alice_order.refresh_from_db()
    assert alice_order.status == "received"


def test_api_order_list_shows_only_the_callers_orders(client, alice_order):
    # given mallory logged in, with no orders of her own
    client.force_login(UserFactory(email="mallory@example.com"))

    # when she lists orders
    response = client.get("/api/orders/")

    # then alice's order is not among them
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("number", ["DOESNOTEXIST", "x" * 300, "A0000001'--", "..%2F..%2F"])
def test_api_unknown_order_numbers_are_not_found(client, alice_order, number):
    # given alice logged in
    client.force_login(alice_order.user)
    before = row_counts()

    # when she asks for an order number that does not exist
    response = client.get(f"/api/orders/{number}/")

    # then it is a clean JSON 404
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] in {"not_found", "not_found"}
    assert row_counts() == before


def test_api_replayed_idempotency_key_of_another_caller_reveals_nothing(api_shopper, teapot):
    # given alice's order placed through the API with an idempotency key
    key = {"HTTP_IDEMPOTENCY_KEY": "shared-key-123456"}
    first = post_json(
        api_shopper, "/api/checkout/", checkout_body(email="alice@example.com"), **key
    )
    assert first.status_code == 201
    before = row_counts()

    # when another caller, with an empty cart, replays the same key
    response = post_json(Client(), "/api/checkout/", checkout_body(), **key)

    # then they get their own answer (empty cart), not alice's order
    assert_error(response, 409, "empty_cart", "Your cart is empty.", before)
    assert first.json()["number"] not in response.content.decode()
