"""Signup and password reset don't tell whether an email has an account: the same answer,
and as fast, since the emails go out after it (shop.background)."""

from __future__ import annotations

import time

import pytest
from django.core import mail

from shop.background import wait_for_background
from tests.accounts.slow_mail import SEND_SECONDS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Tr1cky-Zebra-Lamp"


@pytest.fixture(autouse=True)
def _slow_mail(settings):
    settings.EMAIL_BACKEND = "tests.accounts.slow_mail.SlowEmailBackend"


def _timed_post(client, url: str, data: dict) -> tuple[float, object]:
    started = time.monotonic()
    response = client.post(url, data)
    return time.monotonic() - started, response


def test_password_reset_answers_alike_and_fast_for_known_and_unknown_emails(client):
    # given an account, and an email server that takes a second per message
    UserFactory(email="known@example.com")

    # when a reset is asked for the known address and for an unknown one
    known_time, known = _timed_post(
        client, "/accounts/password/reset/", {"email": "known@example.com"}
    )
    unknown_time, unknown = _timed_post(
        client, "/accounts/password/reset/", {"email": "unknown@example.com"}
    )

    # then both answers are the same redirect, neither waits for the email server
    assert (known.status_code, known["Location"]) == (302, "/accounts/password/reset/sent/")
    assert (unknown.status_code, unknown["Location"]) == (302, "/accounts/password/reset/sent/")
    assert known_time < SEND_SECONDS / 2
    assert unknown_time < SEND_SECONDS / 2
    # and the known address's email is sent afterwards
    wait_for_background()
    assert [m.to for m in mail.outbox] == [["known@example.com"]]


def test_signup_answers_alike_and_fast_for_taken_and_new_emails(client):
    # given an account, and an email server that takes a second per message
    UserFactory(email="taken@example.com")
    form = {"full_name": "Sam Doe", "password1": PASSWORD, "password2": PASSWORD}

    # when someone signs up with the taken address and someone with a new one
    taken_time, taken = _timed_post(
        client, "/accounts/signup/", {**form, "email": "taken@example.com"}
    )
    new_time, new = _timed_post(
        client.__class__(), "/accounts/signup/", {**form, "email": "new@example.com"}
    )

    # then both answers are the same redirect, neither waits for the email server
    assert (taken.status_code, taken["Location"]) == (302, "/accounts/signup/done/")
    assert (new.status_code, new["Location"]) == (302, "/accounts/signup/done/")
    assert taken_time < SEND_SECONDS / 2
    assert new_time < SEND_SECONDS / 2
    # and each address gets its own email afterwards
    wait_for_background()
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("new@example.com", "Your Temporal Shop account is ready"),
        ("taken@example.com", "You already have a Temporal Shop account"),
    ]
