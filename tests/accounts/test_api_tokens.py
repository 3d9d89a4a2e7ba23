"""API tokens expire (API_TOKEN_TTL_HOURS), end at every password change or reset, and are
listed and revoked on the account page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shop.background import wait_for_background
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "Tr1cky-Zebra-Lamp"


def _token_for(email: str, password: str = PASSWORD) -> str:
    response = APIClient().post(
        "/api/auth/token/", {"email": email, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _orders_with(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/orders/").status_code


def test_a_token_older_than_its_lifetime_is_refused_and_replaced(settings):
    # given a token issued 25 hours ago, with a lifetime of 24 hours
    settings.API_TOKEN_TTL_HOURS = 24
    UserFactory(email="ada@example.com")
    old = _token_for("ada@example.com")
    Token.objects.filter(key=old).update(created=timezone.now() - timedelta(hours=25))

    # when it is used, then a new one is asked for
    status = _orders_with(old)
    new = _token_for("ada@example.com")

    # then the old one is a 401 and gone; the new one works
    assert status == 401
    assert new != old
    assert list(Token.objects.values_list("key", flat=True)) == [new]
    assert _orders_with(new) == 200


def test_a_password_change_ends_the_api_token(client):
    # given a shopper with an API token, logged in on the site
    user = UserFactory(email="ada@example.com")
    token = _token_for("ada@example.com")
    client.force_login(user)

    # when they change their password
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    # then the token no longer works
    assert response.status_code == 302
    assert _orders_with(token) == 401
    assert Token.objects.count() == 0


def test_a_password_reset_ends_the_api_token(client, settings):
    # given a shopper with an API token who forgot their password
    UserFactory(email="ada@example.com")
    token = _token_for("ada@example.com")
    client.post("/accounts/password/reset/", {"email": "ada@example.com"})
    link = re.search(r"/accounts/password/reset/\S+/\S+/", _wait_for_mail()).group(0)

    # when they follow the emailed link and choose a new password
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    # then the token no longer works
    assert response.status_code == 302
    assert _orders_with(token) == 401


def test_the_account_page_lists_and_revokes_the_token(client, settings):
    # given a shopper with an API token, logged in on the site
    settings.API_TOKEN_TTL_HOURS = 48
    user = UserFactory(email="ada@example.com")
    token = _token_for("ada@example.com")
    created = Token.objects.get().created
    client.force_login(user)

    # when they open the account's API page
    html = client.get("/accounts/api-token/").content.decode()

    # then it shows the token's last four characters and its expiry, never the whole key
    assert f"…{token[-4:]}" in html
    expires = timezone.localtime(created + timedelta(hours=48))
    assert expires.strftime("%-d %B %Y, %H:%M") in html
    assert token not in html

    # when they revoke it
    response = client.post("/accounts/api-token/revoke/", follow=True)

    # then it is gone and says so
    assert "Your API token was revoked." in response.content.decode()
    assert _orders_with(token) == 401


def _wait_for_mail() -> str:
    wait_for_background()
    assert len(mail.outbox) == 1
    return mail.outbox[0].body
