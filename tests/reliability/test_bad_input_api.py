"""Bad input catalogue, REST API cart (``/api/cart/...``).

Every rejected call is a 4xx JSON ``{code, detail[, errors]}`` saying what is wrong, never a
500, and writes nothing (order, lines, events, cart lines, payments). Other people's carts and
orders are 404s. Prices and totals come from the database whatever the body carries.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from tests.factories import (
    CartItemFactory,
    ProductFactory,
    UserFactory,
    row_counts,
)
from tests.reliability.api_input import assert_error, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def teapot():
    return ProductFactory(name="Teapot", sku="TEA-1", price=Decimal("24.50"))


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
    response = post_json(client, "/api/cart/items/", {"product_id": teapot.pk, **change})

    # then it is a 400 naming the field, and nothing is written
    data = assert_error(response, 400, "invalid", f"quantity: {message}", before)
    assert data["errors"] == {"quantity": [message]}


@pytest.mark.parametrize(
    "product_id, status, code, detail",
    [
        pytest.param(999_999, 422, "unknown_product", "That product does not exist.", id="unknown"),
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
    response = post_json(client, "/api/cart/items/", {"product_id": product_id, "quantity": 1})

    # then it is refused with the reason, and nothing is written
    assert_error(response, status, code, detail, before)


def test_api_add_inactive_product_is_a_422(client):
    # given a product taken off sale
    retired = ProductFactory(name="Retired Kettle", is_active=False)
    before = row_counts()

    # when an API caller adds it
    response = post_json(client, "/api/cart/items/", {"product_id": retired.pk, "quantity": 1})

    # then it is refused, and nothing is written
    assert_error(response, 422, "unknown_product", "Retired Kettle is no longer available.", before)


def test_api_add_more_than_in_stock_is_a_409(client):
    # given a product with 3 units left
    mug = ProductFactory(name="Rare Mug", stock__quantity=3)
    before = row_counts()

    # when an API caller asks for 4
    response = post_json(client, "/api/cart/items/", {"product_id": mug.pk, "quantity": 4})

    # then it is a conflict saying how many are left, and nothing is written
    assert_error(response, 409, "insufficient_stock", "Only 3 left of Rare Mug.", before)


def test_api_add_ignores_tampered_prices(client, teapot):
    # given an API caller
    # when the add body carries made-up prices
    response = post_json(
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
    response = post_json(client, "/api/cart/items/", body)

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
    response = post_json(client, "/api/cart/items/", body)

    # then it is a 400, never a 500, and nothing is written
    assert response.status_code == 400
    assert response.json()["code"] in {"parse_error", "invalid"}
    assert row_counts() == before


def test_api_oversized_json_body_is_a_400(client, teapot):
    # given an API caller
    before = row_counts()
    body = json.dumps({"product_id": teapot.pk, "quantity": 1, "pad": "x" * (3 * 1024 * 1024)})

    # when the body is larger than the server accepts (2.5 MB)
    response = post_json(client, "/api/cart/items/", body)

    # then it is refused, and nothing is written
    assert 400 <= response.status_code < 500
    assert row_counts() == before


def test_api_form_encoded_body_is_unsupported(client, teapot):
    # given an API caller
    before = row_counts()

    # when they send XML instead of JSON
    response = client.post("/api/cart/items/", "<item id='1'/>", content_type="application/xml")

    # then it is a 415 naming the media type, and nothing is written
    assert_error(
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
    assert_error(response, 404, "not_in_cart", "That product is not in your cart.", before)


def test_api_session_write_without_csrf_is_forbidden(teapot):
    # given alice logged in through the site (session cookie), in a CSRF-enforcing client
    alice = UserFactory(email="alice@example.com")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    before = row_counts()

    # when a cross-site script posts to the cart API with her cookie but no token
    response = post_json(browser, "/api/cart/items/", {"product_id": teapot.pk, "quantity": 1})

    # then it is refused, and nothing is written
    data = assert_error(response, 403, "csrf_failed", response.json()["detail"], before)
    assert data["detail"].startswith("CSRF Failed")


def test_api_bad_token_is_unauthorized(client, teapot):
    # given a caller with a made-up token
    before = row_counts()

    # when they call the cart API with it
    response = post_json(
        client,
        "/api/cart/items/",
        {"product_id": teapot.pk, "quantity": 1},
        HTTP_AUTHORIZATION="Token " + "0" * 40,
    )

    # then it is a 401, and nothing is written
    assert_error(response, 401, "authentication_failed", "Invalid token.", before)
