"""The status-code policy of docs/API.md ("Status codes"), one test per rule: 400 malformed,
401 bad credentials, 403 not allowed, 404 not found or not yours, 409 business refusal, 422
semantically invalid, 429 with Retry-After; JSON for every answer under /api/."""

from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api.conftest import throttle
from tests.factories import OrderFactory, ProductFactory, UserFactory, set_stock

pytestmark = pytest.mark.django_db


def test_400_for_a_body_the_schema_does_not_allow(api):
    # given a product
    pot = ProductFactory()

    # when a client sends a quantity outside the schema's range
    response = api.post("/api/cart/items/", {"product_id": pot.pk, "quantity": 100}, format="json")

    # then it is a 400 naming the field
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "quantity: Ensure this value is less than or equal to 99.",
        "errors": {"quantity": ["Ensure this value is less than or equal to 99."]},
    }


def test_400_for_a_wrong_password_in_the_token_request(api, shopper):
    # given a shopper
    # when someone asks for a token with a wrong password
    response = api.post(
        "/api/auth/token/", {"email": "ada@example.com", "password": "nope"}, format="json"
    )

    # then it is a 401 (credentials that don't authenticate), as the schema says
    assert response.status_code == 401
    assert response.json() == {
        "code": "bad_credentials",
        "detail": "Email or password is not correct.",
    }


def test_401_for_a_revoked_token(shopper_api):
    # given a shopper who revoked their token
    shopper_api.delete("/api/auth/token/")

    # when the token is used again
    response = shopper_api.get("/api/orders/")

    # then it is a 401 naming the scheme, never an anonymous answer
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"code": "authentication_failed", "detail": "Invalid token."}


def test_403_for_a_session_write_without_the_csrf_token(shopper):
    # given a logged-in browser session enforcing CSRF
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(shopper)

    # when it writes without X-CSRFToken
    response = browser.post("/api/cart/items/", {"product_id": 1}, format="json")

    # then it is a 403 csrf_failed
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_404_for_someone_elses_order(shopper_api):
    # given an order of another account
    OrderFactory(number="OTHER001", user=UserFactory(email="bob@example.com"))

    # when the shopper asks for it
    response = shopper_api.get("/api/orders/OTHER001/")

    # then it is a 404, never a 403
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


@pytest.mark.parametrize("product_id", [7, 2**63, 2**80])
def test_404_for_a_cart_line_that_is_not_there_whatever_its_id(api, product_id):
    # given an empty cart
    # when a client changes a line it does not have (small or huge id)
    response = api.patch(f"/api/cart/items/{product_id}/", {"quantity": 2}, format="json")

    # then it is a 404 not_in_cart
    assert response.status_code == 404
    assert response.json() == {"code": "not_in_cart", "detail": "That product is not in your cart."}


@override_settings(DEBUG=True)
@pytest.mark.parametrize("path", ["/api/nothing/", "/api/orders/x/y/z/", "/api/cart"])
def test_404_json_for_any_unmatched_api_path_even_in_debug(api, path):
    # given DEBUG on (Django would answer its HTML route list)
    # when a client requests a path no endpoint has (or posts to one)
    got = api.get(path)
    posted = api.post(path, {}, format="json")

    # then both are JSON 404s
    body = {"code": "not_found", "detail": "No API endpoint at this path (they end with a slash)."}
    assert (got.status_code, got["Content-Type"], got.json()) == (404, "application/json", body)
    assert (posted.status_code, posted.json()) == (404, body)


def test_409_for_the_per_line_cap(api):
    # given a cart holding 98 of a product
    pot = set_stock(ProductFactory(name="Teapot"), 500)
    api.post("/api/cart/items/", {"product_id": pot.pk, "quantity": 98}, format="json")

    # when the client adds 2 more (each request alone is valid)
    response = api.post("/api/cart/items/", {"product_id": pot.pk, "quantity": 2}, format="json")

    # then it is a business refusal
    assert response.status_code == 409
    assert response.json() == {
        "code": "quantity_limit",
        "detail": "You can order at most 99 of one product (you already have 98 in your cart).",
    }


def test_422_for_an_expired_card(api):
    # given a cart with one product
    pot = ProductFactory(price=Decimal("5.00"))
    api.post("/api/cart/items/", {"product_id": pot.pk}, format="json")
    body = {
        "email": "grace@example.com",
        "shipping_address": {
            "full_name": "Grace Hopper",
            "line1": "2 Compiler Road",
            "city": "Arlington",
            "postal_code": "22201",
            "country": "US",
        },
        "shipping_method": "standard",
        "card": {"number": "4242424242424242", "exp_month": 1, "exp_year": 2020, "cvc": "123"},
    }

    # when it checks out with a well-formed but expired card
    response = api.post("/api/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY="key-expired")

    # then it is a 422 expired_card
    assert response.status_code == 422
    assert response.json() == {"code": "expired_card", "detail": "That card has expired."}


def test_422_for_a_product_id_that_names_no_product(api):
    # given no product with id 999999
    # when a client adds it
    response = api.post("/api/cart/items/", {"product_id": 999999}, format="json")

    # then it is a 422 unknown_product
    assert response.status_code == 422
    assert response.json() == {"code": "unknown_product", "detail": "That product does not exist."}


def test_429_always_carries_retry_after(api, settings):
    # given at most 1 new anonymous cart per address
    settings.RATE_LIMIT_ANONYMOUS_CARTS = "1/h"
    pot = ProductFactory()
    APIClient().post("/api/cart/items/", {"product_id": pot.pk}, format="json")

    # when another cookie-less client starts a cart from the same address
    response = api.post("/api/cart/items/", {"product_id": pot.pk}, format="json")

    # then it is a 429 rate_limited that says when to come back
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert response["Retry-After"] == "60"


def test_429_from_the_throttle_carries_its_wait(api, shopper, settings):
    # given a token endpoint rate of 1 per minute
    throttle(settings, auth="1/min")
    body = {"email": "ada@example.com", "password": "nope"}
    api.post("/api/auth/token/", body, format="json")

    # when the caller tries again at once
    response = api.post("/api/auth/token/", body, format="json")

    # then the wait is in Retry-After
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60


def test_503_carries_retry_after(shopper_api, shopper):
    # given a shopper's order whose workflow runs on a Temporal server that is down
    OrderFactory(number="DOWN0001", user=shopper, workflow_started_at=timezone.now())

    # when they cancel it
    response = shopper_api.post("/api/orders/DOWN0001/cancel/", {}, format="json")

    # then it is a 503 that says when to come back
    assert response.status_code == 503
    assert response.json()["code"] == "temporarily_unavailable"
    assert response["Retry-After"] == "60"
