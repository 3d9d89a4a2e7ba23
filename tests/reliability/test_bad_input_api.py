"""Bad input catalogue, REST API (``/api/cart/...``, ``/api/checkout/``, ``/api/orders/...``).

Every rejected call is a 4xx JSON ``{code, detail[, errors]}`` saying what is wrong, never a
500, and writes nothing (order, lines, events, cart lines, payments). Other people's carts and
orders are 404s. Prices and totals come from the database whatever the body carries.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from django.test import Client

from orders.models import Order
from tests.factories import (
    CartItemFactory,
    OrderEventFactory,
    OrderFactory,
    ProductFactory,
    UserFactory,
    row_counts,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def teapot():
    return ProductFactory(name="Teapot", sku="TEA-1", price=Decimal("24.50"))


def _post(client, path: str, payload, **headers):
    body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
    return client.post(path, body, content_type="application/json", **headers)


def _checkout_body(**overrides) -> dict:
    body = {
        "email": "guest@example.com",
        "shipping_address": {
            "full_name": "Grace Hopper",
            "line1": "2 Compiler Road",
            "city": "Arlington",
            "postal_code": "22201",
            "country": "US",
        },
        "shipping_method": "standard",
        "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2039, "cvc": "123"},
    }
    body.update(overrides)
    return body


def _key() -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex}


def _assert_error(response, status: int, code: str, detail: str, before) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert (data["code"], data["detail"]) == (code, detail)
    assert row_counts() == before
    return data


# --- Cart --------------------------------------------------------------------------------------

WHOLE = "A valid integer is required."
BAD_ADD = [
    pytest.param({"quantity": -1}, "Ensure this value is greater than or equal to 1.", id="neg"),
    pytest.param({"quantity": 0}, "Ensure this value is greater than or equal to 1.", id="zero"),
    pytest.param({"quantity": 100}, "Ensure this value is less than or equal to 99.", id="100"),
    pytest.param({"quantity": 10**30}, "Ensure this value is less than or equal to 99.", id="huge"),
    pytest.param({"quantity": "abc"}, WHOLE, id="letters"),
    pytest.param({"quantity": 1.5}, WHOLE, id="fraction"),
    pytest.param({"quantity": "1e3"}, WHOLE, id="exponent"),
    pytest.param({"quantity": None}, "This field may not be null.", id="null"),
    pytest.param({"quantity": [2]}, WHOLE, id="list"),
    pytest.param({"quantity": {"n": 2}}, WHOLE, id="object"),
    pytest.param({"quantity": "NaN"}, WHOLE, id="nan"),
    pytest.param({"quantity": "Infinity"}, WHOLE, id="infinity"),
]


@pytest.mark.parametrize("change, message", BAD_ADD)
def test_api_add_with_bad_quantity_is_a_400(client, teapot, change, message):
    # given an API caller
    before = row_counts()

    # when they add the teapot with a bad quantity
    response = _post(client, "/api/cart/items/", {"product_id": teapot.pk, **change})

    # then it is a 400 naming the field, and nothing is written
    data = _assert_error(response, 400, "invalid", f"quantity: {message}", before)
    assert data["errors"] == {"quantity": [message]}


@pytest.mark.parametrize(
    "product_id, status, code, detail",
    [
        pytest.param(999_999, 400, "unknown_product", "That product does not exist.", id="unknown"),
        pytest.param(
            0,
            400,
            "invalid",
            "product_id: Ensure this value is greater than or equal to 1.",
            id="zero",
        ),
        pytest.param(
            -5,
            400,
            "invalid",
            "product_id: Ensure this value is greater than or equal to 1.",
            id="negative",
        ),
        pytest.param(
            2**63,
            400,
            "invalid",
            f"product_id: Ensure this value is less than or equal to {2**53}.",
            id="overflowing",
        ),
        pytest.param("abc", 400, "invalid", f"product_id: {WHOLE}", id="letters"),
        pytest.param(None, 400, "invalid", "product_id: This field may not be null.", id="null"),
    ],
)
def test_api_add_unknown_product_is_a_400(client, teapot, product_id, status, code, detail):
    # given an API caller
    before = row_counts()

    # when they add a product id that names no product
    response = _post(client, "/api/cart/items/", {"product_id": product_id, "quantity": 1})

    # then it is refused with the reason, and nothing is written
    _assert_error(response, status, code, detail, before)


def test_api_add_inactive_product_is_a_400(client):
    # given a product taken off sale
    retired = ProductFactory(name="Retired Kettle", is_active=False)
    before = row_counts()

    # when an API caller adds it
    response = _post(client, "/api/cart/items/", {"product_id": retired.pk, "quantity": 1})

    # then it is refused, and nothing is written
    _assert_error(
        response, 400, "unknown_product", "Retired Kettle is no longer available.", before
    )


def test_api_add_more_than_in_stock_is_a_409(client):
    # given a product with 3 units left
    mug = ProductFactory(name="Rare Mug", stock__quantity=3)
    before = row_counts()

    # when an API caller asks for 4
    response = _post(client, "/api/cart/items/", {"product_id": mug.pk, "quantity": 4})

    # then it is a conflict saying how many are left, and nothing is written
    _assert_error(response, 409, "insufficient_stock", "Only 3 left of Rare Mug.", before)


def test_api_add_ignores_tampered_prices(client, teapot):
    # given an API caller
    # when the add body carries made-up prices
    response = _post(
        client,
        "/api/cart/items/",
        {"product_id": teapot.pk, "quantity": 2, "unit_price": "0.01", "subtotal": "0.02"},
    )

    # then the cart is priced from the database
    assert response.status_code == 201
    data = response.json()
    assert (data["subtotal"], data["lines"][0]["unit_price"]) == ("49.00", "24.50")


MALFORMED = [
    pytest.param(b"{not json", "JSON parse error - Expecting property name", id="broken"),
    pytest.param(b"", None, id="empty"),
    pytest.param(b"\xff\xfe{}", "JSON parse error - ", id="not-utf8"),
    pytest.param(b"[1, 2]", None, id="array"),
    pytest.param(b'"teapot"', None, id="string"),
    pytest.param(b"null", None, id="null"),
]


@pytest.mark.parametrize("body, detail_start", MALFORMED)
def test_api_malformed_json_is_a_400(client, teapot, body, detail_start):
    # given an API caller
    before = row_counts()

    # when they send a body that is not a JSON object
    response = _post(client, "/api/cart/items/", body)

    # then it is a 400 (parse error or invalid), and nothing is written
    assert response.status_code == 400
    data = response.json()
    assert data["code"] in {"parse_error", "invalid"}
    if detail_start:
        assert data["detail"].startswith(detail_start)
    assert row_counts() == before


def test_api_deeply_nested_json_is_a_400(client, teapot):
    # given an API caller
    before = row_counts()
    body = b'{"product_id": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"

    # when they send JSON nested deeper than the parser's recursion limit
    response = _post(client, "/api/cart/items/", body)

    # then it is a 400, never a 500, and nothing is written
    assert response.status_code == 400
    assert response.json()["code"] in {"parse_error", "invalid"}
    assert row_counts() == before


def test_api_oversized_json_body_is_a_400(client, teapot):
    # given an API caller
    before = row_counts()
    body = json.dumps({"product_id": teapot.pk, "quantity": 1, "pad": "x" * (3 * 1024 * 1024)})

    # when the body is larger than the server accepts (2.5 MB)
    response = _post(client, "/api/cart/items/", body)

    # then it is refused, and nothing is written
    assert 400 <= response.status_code < 500
    assert row_counts() == before


def test_api_form_encoded_body_is_unsupported(client, teapot):
    # given an API caller
    before = row_counts()

    # when they send XML instead of JSON
    response = client.post("/api/cart/items/", "<item id='1'/>", content_type="application/xml")

    # then it is a 415 naming the media type, and nothing is written
    _assert_error(
        response,
        415,
        "unsupported_media_type",
        'Unsupported media type "application/xml" in request.',
        before,
    )


@pytest.mark.parametrize("method", ["patch", "delete"])
@pytest.mark.parametrize("who", ["anonymous", "another shopper"])
def test_api_cannot_touch_someone_elses_cart(client, teapot, method, who):
    # given alice's cart holding one teapot, and someone else calling the API
    alice = UserFactory(email="alice@example.com")
    CartItemFactory(cart__user=alice, product=teapot, quantity=1)
    if who == "another shopper":
        client.force_login(UserFactory(email="mallory@example.com"))
    before = row_counts()

    # when they change or remove alice's product by id
    response = client.generic(
        method.upper(),
        f"/api/cart/items/{teapot.pk}/",
        json.dumps({"quantity": 7}),
        content_type="application/json",
    )

    # then it is not in their cart, and alice's cart is untouched
    _assert_error(response, 404, "not_in_cart", "That product is not in your cart.", before)


def test_api_session_write_without_csrf_is_forbidden(teapot):
    # given alice logged in through the site (session cookie), in a CSRF-enforcing client
    alice = UserFactory(email="alice@example.com")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    before = row_counts()

    # when a cross-site script posts to the cart API with her cookie but no token
    response = _post(browser, "/api/cart/items/", {"product_id": teapot.pk, "quantity": 1})

    # then it is refused, and nothing is written
    data = _assert_error(response, 403, "csrf_failed", response.json()["detail"], before)
    assert data["detail"].startswith("CSRF Failed")


def test_api_bad_token_is_unauthorized(client, teapot):
    # given a caller with a made-up token
    before = row_counts()

    # when they call the cart API with it
    response = _post(
        client,
        "/api/cart/items/",
        {"product_id": teapot.pk, "quantity": 1},
        HTTP_AUTHORIZATION="Token " + "0" * 40,
    )

    # then it is a 401, and nothing is written
    _assert_error(response, 401, "authentication_failed", "Invalid token.", before)


# --- Checkout ----------------------------------------------------------------------------------


@pytest.fixture
def api_shopper(client, teapot) -> Client:
    response = _post(client, "/api/cart/items/", {"product_id": teapot.pk, "quantity": 2})
    assert response.status_code == 201
    return client


def test_api_checkout_control_places_the_order(api_shopper):
    # given a caller with two teapots in the cart
    # when they check out with a valid body
    response = _post(api_shopper, "/api/checkout/", _checkout_body(), **_key())

    # then the order is placed from database prices
    assert response.status_code == 201
    assert (response.json()["total"], Order.objects.get().total) == ("53.90", Decimal("53.90"))


def test_api_checkout_ignores_tampered_totals(api_shopper):
    # given a caller with two teapots in the cart
    # when the checkout body carries made-up prices, lines, status and owner
    body = _checkout_body(
        total="0.01",
        subtotal="0.01",
        shipping_cost="0",
        status="completed",
        number="HACKED",
        user=1,
        lines=[{"sku": "TEA-1", "unit_price": "0.01", "quantity": 50}],
    )
    response = _post(api_shopper, "/api/checkout/", body, **_key())

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


@pytest.mark.parametrize("overrides, code, detail", BAD_CHECKOUT)
def test_api_bad_checkout_is_a_400(api_shopper, overrides, code, detail):
    # given a caller with two teapots in the cart
    before = row_counts()

    # when they check out with a bad body
    response = _post(api_shopper, "/api/checkout/", _checkout_body(**overrides), **_key())

    # then it is a 400 that says what is wrong, and nothing is written
    _assert_error(response, 400, code, detail, before)


@pytest.mark.parametrize(
    "key", [None, "", "short", "x" * 65, "spaces are bad", "<script>alert(1)</script>"]
)
def test_api_checkout_needs_a_good_idempotency_key(api_shopper, key):
    # given a caller with two teapots in the cart
    before = row_counts()
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}

    # when they check out without a usable Idempotency-Key
    response = _post(api_shopper, "/api/checkout/", _checkout_body(), **headers)

    # then it is a 400 explaining the header, and nothing is written
    _assert_error(
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
    response = _post(client, "/api/checkout/", _checkout_body(), **_key())

    # then it is refused as a conflict with the reason, and nothing is written
    _assert_error(response, 409, "empty_cart", "Your cart is empty.", before)


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
    _assert_error(response, 404, "not_found", "Not found.", before)
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
    first = _post(api_shopper, "/api/checkout/", _checkout_body(email="alice@example.com"), **key)
    assert first.status_code == 201
    before = row_counts()

    # when another caller, with an empty cart, replays the same key
    response = _post(Client(), "/api/checkout/", _checkout_body(), **key)

    # then they get their own answer (empty cart), not alice's order
    _assert_error(response, 409, "empty_cart", "Your cart is empty.", before)
    assert first.json()["number"] not in response.content.decode()
