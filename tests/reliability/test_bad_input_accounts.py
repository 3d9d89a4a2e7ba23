"""Bad input catalogue, account pages: signup, login, saved addresses, API tokens.

Bad credentials and bad signups re-render the form with the reason (no account is created);
another user's saved address is a 404 for every action; no input gives a 500.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import Address, User
from tests.factories import AddressFactory, UserFactory, row_counts

pytestmark = pytest.mark.django_db

BAD_LOGIN = "That email address and password do not match an account. Check both and try again."
NOT_FOUND_MESSAGE = "We could not find that page."


@pytest.fixture
def alice():
    return UserFactory(email="alice@example.com")


def _signup(**overrides) -> dict[str, str]:
    data = {
        "email": "new@example.com",
        "full_name": "New Shopper",
        "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        pytest.param({"email": ""}, "email", "This field is required.", id="email-missing"),
        pytest.param(
            {"email": "not-an-email"}, "email", "Enter a valid email address.", id="email-bad"
        ),
        pytest.param(
            {"email": "a" * 300 + "@example.com"},
            "email",
            "Ensure this value has at most 254 characters (it has 312).",
            id="email-huge",
        ),
        pytest.param(
            {"email": "new\x00@example.com"}, "email", "Null characters are not allowed.", id="nul"
        ),
        pytest.param(
            {"password2": "something-else-entirely"},
            "password2",
            "The two password fields didn’t match.",
            id="passwords-differ",
        ),
        pytest.param(
            {"password1": "123", "password2": "123"},
            "password2",
            "This password is too short. It must contain at least 8 characters.",
            id="password-short",
        ),
    ],
)
def test_bad_signup_rerenders_with_the_reason(client, alice, overrides, field, message):
    # given alice already has an account
    users = User.objects.count()

    # when someone signs up with bad details
    response = client.post("/accounts/signup/", _signup(**overrides))

    # then the form comes back with the reason at the field, and no account is created
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert User.objects.count() == users


def test_signup_with_a_taken_email_in_another_case_creates_nothing(client, alice):
    # given alice already has an account
    users = User.objects.count()

    # when someone signs up with her address in capitals
    response = client.post("/accounts/signup/", _signup(email="ALICE@example.com"))

    # then the answer is the one any signup gets (no account enumeration), and no account is
    # created (alice is emailed instead)
    assert (response.status_code, response["Location"]) == (302, "/accounts/signup/done/")
    assert User.objects.count() == users


@pytest.mark.parametrize(
    "email, password, errors",
    [
        pytest.param(
            "alice@example.com", "wrong-password", {"__all__": [BAD_LOGIN]}, id="wrong-password"
        ),
        pytest.param(
            "nobody@example.com", "correct-horse-battery", {"__all__": [BAD_LOGIN]}, id="unknown"
        ),
        pytest.param("alice@example.com", "x" * 10_000, {"__all__": [BAD_LOGIN]}, id="huge-pw"),
        pytest.param(
            "alice@example.com' OR '1'='1",
            "x",
            {"username": ["Enter a valid email address."]},
            id="sql",
        ),
        pytest.param(
            "alice\x00@example.com",
            "x",
            {"username": ["Enter a valid email address.", "Null characters are not allowed."]},
            id="nul",
        ),
    ],
)
def test_bad_login_rerenders_with_the_reason(client, alice, email, password, errors):
    # given alice's account
    # when someone logs in with wrong credentials
    response = client.post("/accounts/login/", {"username": email, "password": password})

    # then they are told why, and stay logged out
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert "_auth_user_id" not in client.session


def test_login_without_csrf_token_is_forbidden(alice):
    # given a browser that enforces CSRF
    browser = Client(enforce_csrf_checks=True)

    # when a cross-site form posts alice's (correct) credentials
    response = browser.post(
        "/accounts/login/", {"username": "alice@example.com", "password": "correct-horse-battery"}
    )

    # then it is refused with a clear message, and nobody is logged in
    assert response.status_code == 403
    assert "Your session expired or cookies are blocked." in response.content.decode()
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize(
    "method, suffix",
    [
        pytest.param("get", "edit/", id="edit-page"),
        pytest.param("post", "edit/", id="edit"),
        pytest.param("post", "delete/", id="delete"),
        pytest.param("post", "default/", id="set-default"),
    ],
)
def test_someone_elses_address_is_not_found(client, alice, method, suffix):
    # given alice's saved address, and mallory logged in
    address = AddressFactory(user=alice, line1="1 Secret Lane")
    client.force_login(UserFactory(email="mallory@example.com"))
    before = row_counts()

    # when mallory opens, edits, deletes or promotes alice's address
    response = getattr(client, method)(
        f"/accounts/addresses/{address.pk}/{suffix}",
        {
            "full_name": "Mallory",
            "line1": "Hacked",
            "city": "X",
            "postal_code": "1",
            "country": "DE",
        },
    )

    # then it does not exist for her, and alice's address is untouched
    assert response.status_code == 404
    assert NOT_FOUND_MESSAGE in response.content.decode()
    assert "1 Secret Lane" not in response.content.decode()
    assert row_counts() == before
    assert list(Address.objects.values_list("user__email", "line1", "is_default")) == [
        ("alice@example.com", "1 Secret Lane", False)
    ]


@pytest.mark.parametrize(
    "body, status, code",
    [
        pytest.param(
            {"email": "alice@example.com", "password": "wrong"}, 401, "bad_credentials", id="wrong"
        ),
        pytest.param({"email": "alice@example.com"}, 400, "invalid", id="no-password"),
        pytest.param({"email": "x" * 300, "password": "x"}, 400, "invalid", id="huge-email"),
        pytest.param([1, 2], 400, "invalid", id="array"),
        pytest.param("{broken", 400, "parse_error", id="malformed"),
    ],
)
def test_api_token_with_bad_credentials_is_refused(client, alice, body, status, code):
    # given alice's account
    # when a client asks for a token with bad input
    payload = body if isinstance(body, str) else json.dumps(body)
    response = client.post("/api/auth/token/", payload, content_type="application/json")

    # then it is refused with a code and a message, and no token exists
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["detail"]
    from rest_framework.authtoken.models import Token

    assert Token.objects.count() == 0
