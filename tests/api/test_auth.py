"""Token endpoint, token and session authentication, CSRF, throttling."""

from datetime import timedelta

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import throttle
from tests.factories import CartItemFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_token_for_good_credentials(api, shopper):
    # given a shopper with a password
    # when they ask for a token (email case does not matter)
    response = api.post(
        "/api/auth/token/",
        {"email": "ADA@example.com", "password": "correct-horse-battery"},
        format="json",
    )

    # then they get their token, the same on every call
    assert response.status_code == 200
    token = Token.objects.get(user=shopper)
    assert response.json() == {
        "token": token.key,
        "expires_at": (token.created + timedelta(hours=720)).isoformat().replace("+00:00", "Z"),
    }
    again = api.post(
        "/api/auth/token/",
        {"email": "ada@example.com", "password": "correct-horse-battery"},
        format="json",
    )
    assert again.json() == response.json()


def test_bad_credentials_are_refused(api, shopper):
    # given a shopper
    # when someone tries a wrong password
    response = api.post(
        "/api/auth/token/", {"email": "ada@example.com", "password": "wrong"}, format="json"
    )

    # then no token is made
    assert response.status_code == 401
    assert response.json() == {
        "code": "bad_credentials",
        "detail": "Email or password is not correct.",
    }
    assert Token.objects.count() == 0


def test_token_endpoint_is_throttled(api, shopper, settings):
    # given a rate of 2 per minute
    throttle(settings, auth="2/min")
    body = {"email": "ada@example.com", "password": "wrong"}

    # when a client tries three times
    codes = [api.post("/api/auth/token/", body, format="json").status_code for _ in range(3)]

    # then the third is refused with a wait time
    assert codes == [401, 401, 429]
    third = api.post("/api/auth/token/", body, format="json")
    assert third.json()["code"] == "throttled"
    assert 0 < int(third["Retry-After"]) <= 60


def test_bad_token_is_a_401(api):
    # given a token nobody has
    api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")

    # when it is used
    response = api.get("/api/cart/")

    # then it is refused with the scheme to use
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"code": "authentication_failed", "detail": "Invalid token."}


def test_revoking_the_token(shopper_api, shopper):
    # given a shopper with a token
    # when they revoke it
    response = shopper_api.delete("/api/auth/token/")

    # then it is gone and no longer works
    assert response.status_code == 204
    assert Token.objects.filter(user=shopper).count() == 0
    assert shopper_api.get("/api/cart/").status_code == 401


def test_revoking_without_a_token_is_a_401(api):
    # given an anonymous client
    # when it tries to revoke
    response = api.delete("/api/auth/token/")

    # then it is told to authenticate
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_session_writes_need_the_csrf_token(shopper):
    # given a logged-in browser session that enforces CSRF like a real browser
    product = ProductFactory()
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(shopper)

    # when it writes without the CSRF token
    refused = browser.post("/api/cart/items/", {"product_id": product.pk}, format="json")

    # then it is refused; with the token from the cookie it works
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    browser.get("/api/cart/")  # sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        "/api/cart/items/", {"product_id": product.pk}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201


def test_anonymous_session_writes_need_the_csrf_token_too():
    # given an anonymous browser that already has a cart in its session
    product = ProductFactory()
    browser = APIClient(enforce_csrf_checks=True)
    created = browser.post("/api/cart/items/", {"product_id": product.pk}, format="json")
    assert created.status_code == 201  # no session cookie yet: nothing to forge

    # when a write arrives with the session cookie but without the CSRF token
    refused = browser.delete(f"/api/cart/items/{product.pk}/")

    # then it is refused and the cart keeps the item
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert browser.get("/api/cart/").json()["item_count"] == 1


def test_token_clients_need_no_csrf(shopper_api, shopper):
    # given a token client whose user also has a cart
    item = CartItemFactory(cart__user=shopper)

    # when it writes without any CSRF token
    response = shopper_api.delete(f"/api/cart/items/{item.product_id}/")

    # then it works
    assert response.status_code == 200
    assert response.json()["item_count"] == 0


def test_forwarded_for_header_does_not_dodge_the_throttle(api, shopper, settings):
    # given a rate of 1 per minute and no trusted proxy
    throttle(settings, auth="1/min")
    body = {"email": "ada@example.com", "password": "wrong"}

    # when a client makes up a new X-Forwarded-For address for its second try
    first = api.post("/api/auth/token/", body, format="json", HTTP_X_FORWARDED_FOR="10.0.0.1")
    second = api.post("/api/auth/token/", body, format="json", HTTP_X_FORWARDED_FOR="10.0.0.2")

    # then it is still throttled by its real address
    assert (first.status_code, second.status_code) == (401, 429)
