"""German error pages, login form and account emails (the shopper's language goes with the
emails sent off the request path)."""

import re

import pytest
from django.core import mail

from shop.background import wait_for_background
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_not_found_page_in_german(client):
    # Given a German shopper / When a page that does not exist is opened
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="de")
    # Then the error page's title and message are German
    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Nicht gefunden</h1>" in html
    assert "Diese Seite haben wir nicht gefunden." in html


def test_not_found_stays_english_json_for_the_api(client):
    # Given a German API client / When an unknown API path is asked for / Then the JSON is English
    response = client.get("/api/no-such-thing/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_login_form_labels_and_error_in_german(client):
    # Given a German shopper / When a wrong password is posted
    response = client.post(
        "/accounts/login/",
        {"username": "nobody@example.com", "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    # Then the label and the error are German
    html = response.content.decode()
    assert "E-Mail-Adresse" in html
    assert (
        "Zu dieser E-Mail-Adresse und diesem Passwort gibt es kein Konto. "
        "Prüfen Sie beides und versuchen Sie es noch einmal."
    ) in html


def test_password_reset_email_in_german(client):
    # Given an account / When a German shopper asks for a reset
    UserFactory(email="reset@example.com", full_name="Greta Beispiel")
    client.post(
        "/accounts/password/reset/", {"email": "reset@example.com"}, HTTP_ACCEPT_LANGUAGE="de"
    )
    wait_for_background()
    # Then the email (sent off the request path) is German, text and HTML
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Passwort für Temporal Shop zurücksetzen"
    body = re.sub(r"http://\S+", "LINK", message.body)
    assert body == (
        "Hallo Greta,\n\n"
        "jemand (hoffentlich Sie) möchte das Passwort Ihres Temporal-Shop-Kontos "
        "reset@example.com zurücksetzen.\n"
        "Hier wählen Sie ein neues Passwort:\n\n"
        "LINK\n\n"
        "Wenn Sie das nicht waren, ignorieren Sie diese E-Mail: "
        "Ihr Passwort bleibt unverändert.\n\n"
        "Temporal Shop\n\n"
    )
    html = message.alternatives[0][0]
    assert '<html lang="de">' in html
    assert "Neues Passwort wählen</a>" in html


def test_welcome_email_in_german(client):
    # Given a German visitor / When they sign up
    client.post(
        "/accounts/signup/",
        {
            "email": "neu@example.com",
            "full_name": "Neu Kunde",
            "password1": "correct-horse-battery",
            "password2": "correct-horse-battery",
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )
    wait_for_background()
    # Then the welcome email is German
    assert [m.subject for m in mail.outbox] == ["Ihr Temporal-Shop-Konto ist eingerichtet"]
    assert mail.outbox[0].body.startswith(
        "Hallo,\n\nIhr Temporal-Shop-Konto neu@example.com ist eingerichtet. "
        "Hier melden Sie sich an:\n"
    )
