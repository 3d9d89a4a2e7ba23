"""Checkout through the API: placing, idempotency, card and cart errors, throttling."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from catalog.models import Product
from orders.models import Order
from tests.api.conftest import throttle
from tests.factories import CartFactory, CartItemFactory, ProductFactory, row_counts, set_stock

pytestmark = pytest.mark.django_db

BODY = {
    "email": "grace@example.com",
    "shipping_address": {
        "full_name": "Grace Hopper",
        "line1": "2 Compiler Road",
        "city": "Arlington",
        "postal_code": "22201",
        "country": "us",
    },
    "shipping_method": "express",
    "card": {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2099, "cvc": "123"},
}
STAFF_ONLY = {"payment_token", "workflow_id", "checkout_token", "failure_reason", "user", "id"}


def checkout(client: APIClient, key: str | None = "key-00000001", body: dict = BODY):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post("/api/checkout/", body, format="json", **headers)


@pytest.fixture
def guest_with_cart(api):
    """An anonymous client with 2 x 20.00 in its cart."""
    pot = ProductFactory(name="Teapot", sku="POT", price=Decimal("20.00"))
    api.post("/api/cart/items/", {"product_id": pot.pk, "quantity": 2}, format="json")
    return api


def test_guest_places_an_order(guest_with_cart):
    # given a guest with a cart
    # when they check out
    response = checkout(guest_with_cart)

    # then the order is placed from database prices and the cart is emptied
    assert response.status_code == 201
    data = response.json()
    order = Order.objects.get()
    assert response["Location"] == f"/api/orders/{order.number}/"
    assert data["number"] == order.number
    assert (data["status"], data["email"], data["shipping_method"]) == (
        "received",
        "grace@example.com",
        "express",
    )
    assert (data["subtotal"], data["shipping_cost"], data["total"]) == ("40.00", "14.90", "54.90")
    assert data["shipping_address"]["country"] == "US"
    assert data["payment_method"] == {"card_brand": "visa", "card_last4": "4242"}
    assert data["lines"] == [
        {
            "sku": "POT",
            "name": "Teapot",
            "unit_price": "20.00",
            "quantity": 2,
            "line_total": "40.00",
            # shipped to the US: no VAT
            "tax_rate": "0.00",
            "discount_amount": "0.00",
            "net_amount": "40.00",
            "tax_amount": "0.00",
            "gross_amount": "40.00",
        }
    ]
    assert [e["kind"] for e in data["events"]] == ["placed"]
    assert (data["progress"], data["shipment"], data["can_cancel"]) == (None, None, True)
    assert STAFF_ONLY.isdisjoint(data)
    assert guest_with_cart.get("/api/cart/").json()["item_count"] == 0
    # and the guest's session may read it
    assert guest_with_cart.get(f"/api/orders/{order.number}/").status_code == 200


def test_same_idempotency_key_returns_the_same_order(guest_with_cart):
    # given a guest who checked out once
    first = checkout(guest_with_cart, key="retry-me-0001")

    # when the same request is retried with the same key
    second = checkout(guest_with_cart, key="retry-me-0001")

    # then the same order comes back with 200, and only one order exists
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["number"] == first.json()["number"]
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"email": "someone@example.com"}, id="email"),
        pytest.param({"shipping_method": "standard"}, id="shipping-method"),
        pytest.param(
            {"card": {**BODY["card"], "number": "4000 0000 0000 0002"}}, id="another-card"
        ),
        pytest.param(
            {"shipping_address": {**BODY["shipping_address"], "city": "Boston"}}, id="address"
        ),
    ],
)
def test_same_key_with_a_different_body_is_refused(guest_with_cart, change):
    # given a guest who checked out once with a key
    first = checkout(guest_with_cart, key="reuse-me-0001")

    # when the same key comes back with a different request
    second = checkout(guest_with_cart, key="reuse-me-0001", body={**BODY, **change})

    # then it is refused (as Stripe does), not answered with the first order
    assert (first.status_code, second.status_code) == (201, 422)
    assert second.json() == {
        "code": "idempotency_key_reused",
        "detail": "This Idempotency-Key was used for a different checkout request. Use a new "
        "key for a new order, or repeat the first request unchanged.",
    }
    assert Order.objects.count() == 1


def test_a_new_key_is_a_new_checkout(guest_with_cart):
    # given a guest who checked out (their cart is now empty)
    checkout(guest_with_cart, key="first-key-01")

    # when they check out again with a new key
    response = checkout(guest_with_cart, key="second-key-02")

    # then it is a new attempt, refused because the cart is empty
    assert response.status_code == 409
    assert response.json() == {"code": "empty_cart", "detail": "Your cart is empty."}
    assert Order.objects.count() == 1


def test_one_callers_key_never_returns_another_callers_order(guest_with_cart, shopper_api, shopper):
    # given a guest who checked out with a key, and a shopper with a cart
    checkout(guest_with_cart, key="shared-key-1")
    CartItemFactory(cart=CartFactory(user=shopper), product=ProductFactory(price=Decimal("5.00")))

    # when the shopper uses the same key
    response = checkout(shopper_api, key="shared-key-1")

    # then they get their own new order
    assert response.status_code == 201
    assert response.json()["total"] == "19.90"
    assert Order.objects.count() == 2


@pytest.mark.parametrize("key", [None, "", "short", "x" * 65, "has space in it"])
def test_idempotency_key_is_required(guest_with_cart, key):
    # given a guest with a cart
    before = row_counts()

    # when they check out without a usable key
    response = checkout(guest_with_cart, key=key)

    # then nothing is placed and they are told what to send
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"
    assert row_counts() == before


def test_token_user_checkout_defaults_email_and_owns_the_order(shopper_api, shopper):
    # given a token user with a cart
    CartItemFactory(cart=CartFactory(user=shopper), product=ProductFactory(price=Decimal("5.00")))

    # when they check out without an email
    body = {k: v for k, v in BODY.items() if k != "email"}
    response = checkout(shopper_api, body=body)

    # then the order is theirs, with their account email
    assert response.status_code == 201
    order = Order.objects.get()
    assert (order.user, order.email) == (shopper, "ada@example.com")


def test_guest_needs_an_email(guest_with_cart):
    # given a guest
    body = {k: v for k, v in BODY.items() if k != "email"}

    # when they check out without an email
    response = checkout(guest_with_cart, body=body)

    # then the field is named
    assert response.status_code == 400
    assert response.json()["errors"] == {"email": ["Please enter your email address."]}


@pytest.mark.parametrize(
    ("card", "code"),
    [
        ({"number": "4242 4242 4242 4241"}, "invalid_number"),
        ({"exp_year": 2001}, "expired_card"),
    ],
)
def test_card_errors_place_nothing(guest_with_cart, card, code):
    # given a guest and a bad card
    before = row_counts()
    body = {**BODY, "card": {**BODY["card"], **card}}

    # when they check out
    response = checkout(guest_with_cart, body=body)

    # then nothing is written and a 422 code says what is wrong
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert row_counts() == before


def test_bad_shape_lists_nested_fields(guest_with_cart):
    # given a body with a missing city, a bad country and an unknown shipping method
    body = {
        **BODY,
        "shipping_address": {**BODY["shipping_address"], "city": "", "country": "USA"},
        "shipping_method": "pigeon",
    }

    # when they check out
    response = checkout(guest_with_cart, body=body)

    # then each field is listed with a dotted name
    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == [
        "shipping_address.city",
        "shipping_address.country",
        "shipping_method",
    ]


def test_sold_out_since_added_is_a_409(guest_with_cart):
    # given a guest whose product sold out after they added it
    set_stock(Product.objects.get(sku="POT"), 1)

    # when they check out
    response = checkout(guest_with_cart)

    # then nothing is placed and they are told
    assert response.status_code == 409
    assert response.json() == {
        "code": "insufficient_stock",
        "detail": "Only 1 left of Teapot. Please update your cart.",
    }
    assert Order.objects.count() == 0


def test_checkout_is_throttled(guest_with_cart, settings):
    # given a checkout rate of 1 per minute
    throttle(settings, checkout="1/min")

    # when a client checks out twice
    first = checkout(guest_with_cart, key="throttle-01")
    second = checkout(guest_with_cart, key="throttle-02")

    # then the second is throttled
    assert first.status_code == 201
    assert second.status_code == 429
    assert second.json()["code"] == "throttled"


@pytest.mark.parametrize("lines", [1, 6])
def test_checkout_query_count_does_not_grow_with_lines(
    shopper_api, shopper, django_assert_max_num_queries, lines
):
    # given a token user with 1 or 6 different products in the cart
    cart = CartFactory(user=shopper)
    for _ in range(lines):
        CartItemFactory(cart=cart, product=ProductFactory(price=Decimal("5.00")))

    # when they check out
    # then the same 19 queries do it (the cart's lock and savepoints included; lines inserted
    # in one statement; the token and the cart looked at once more before the card is sent;
    # the destination's VAT rates)
    with django_assert_max_num_queries(19):
        response = checkout(shopper_api)
    assert response.status_code == 201
    assert len(response.json()["lines"]) == lines
