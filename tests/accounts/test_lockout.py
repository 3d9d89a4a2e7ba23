"""Brute force on the login pages and the token endpoint: after AXES_FAILURE_LIMIT wrong
passwords for an account, or from one client, logins are refused (429) with a plain message
and a way out (password reset); counters live in the shared cache (Redis in production)."""

from __future__ import annotations

import os
import re
import socket

import pytest
from axes.handlers.proxy import AxesProxyHandler
from django.core import mail
from django.core.cache import caches
from django.test import Client

from shop.background import wait_for_background
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "Tr1cky-Zebra-Lamp"
LOCKED = "Too many failed login attempts. Wait 15 minutes and try again"


def _login(client: Client, email: str, password: str, ip: str = "10.1.1.1", path: str = ""):
    url = path or "/accounts/login/"
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_25_wrong_passwords_lock_the_account_after_5(client):
    # given an account
    UserFactory(email="ada@example.com")

    # when someone tries 25 wrong passwords in a row
    codes = [_login(client, "ada@example.com", f"guess-{n}").status_code for n in range(25)]

    # then four are answered as wrong; the fifth locks the account, and the rest are refused
    assert codes == [200] * 4 + [429] * 21
    page = _login(client, "ada@example.com", "guess-26")
    html = page.content.decode()
    assert LOCKED in html
    assert 'href="/accounts/password/reset/"' in html
    assert page["Retry-After"] == "900"
    # and even the right password is refused while locked, from another address too
    assert _login(Client(), "ada@example.com", PASSWORD, ip="10.9.9.9").status_code == 429
    assert "_auth_user_id" not in client.session


def test_one_client_trying_many_accounts_is_locked_out(client):
    # given two accounts
    UserFactory(email="a@example.com")
    UserFactory(email="b@example.com")

    # when one address tries one wrong password on five different accounts
    codes = [_login(client, f"u{n}@example.com", "guess").status_code for n in range(5)]

    # then that address can't log in any more, not even to another account with its password
    assert codes == [200] * 4 + [429]
    assert _login(client, "a@example.com", PASSWORD).status_code == 429
    # while the same account from another address still can
    assert _login(Client(), "a@example.com", PASSWORD, ip="10.2.2.2").status_code == 302


def test_admin_login_is_locked_out_too(client):
    # given a staff account
    StaffFactory(email="boss@example.com")

    # when its admin login gets 5 wrong passwords
    codes = [
        _login(client, "boss@example.com", f"x{n}", path="/admin/login/").status_code
        for n in range(5)
    ]

    # then the 5th locks it out
    assert codes == [200] * 4 + [429]
    assert (
        LOCKED
        in _login(client, "boss@example.com", PASSWORD, path="/admin/login/").content.decode()
    )


def test_the_token_endpoint_counts_and_answers_json(client):
    # given an account
    UserFactory(email="ada@example.com")
    body = {"email": "ada@example.com", "password": "wrong"}

    # when the API is asked for a token with wrong passwords five times
    codes = [
        client.post("/api/auth/token/", body, content_type="application/json").status_code
        for _ in range(5)
    ]
    locked = client.post("/api/auth/token/", body, content_type="application/json")

    # then the fifth and later are a JSON 429 saying what to do
    assert codes == [401] * 4 + [429]
    assert locked.json()["code"] == "locked_out"
    assert locked.json()["detail"].startswith(LOCKED)


def test_a_password_reset_unlocks_the_account(client, django_capture_on_commit_callbacks):
    # given an account locked out by wrong passwords from an attacker's address
    UserFactory(email="ada@example.com")
    for n in range(5):
        _login(Client(), "ada@example.com", f"guess-{n}", ip="10.6.6.6")
    assert _login(client, "ada@example.com", PASSWORD, ip="10.7.7.7").status_code == 429

    # when its owner resets the password through the emailed link
    client.post("/accounts/password/reset/", {"email": "ada@example.com"})
    wait_for_background()
    link = re.search(r"/accounts/password/reset/\S+/\S+/", mail.outbox[0].body).group(0)
    form_page = client.get(link, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        reset = client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )

    # then they can log in with the new password at once (the attacker's address stays locked)
    assert reset.status_code == 302
    assert _login(Client(), "ada@example.com", NEW_PASSWORD, ip="10.7.7.7").status_code == 302
    assert _login(Client(), "ada@example.com", NEW_PASSWORD, ip="10.6.6.6").status_code == 429


def _redis_url() -> str:
    url = os.environ.get("CACHE_URL", "")
    return url if url.startswith("redis://") else "redis://127.0.0.1:6379/1"


@pytest.fixture
def redis_cache(settings):
    """The lockout's counters in the machine's Redis (CACHE_URL, as CI sets it)."""
    url = _redis_url()
    host, port = re.match(r"redis://([^:/]+):?(\d*)", url).groups()
    try:
        socket.create_connection((host, int(port or 6379)), timeout=1).close()
    except OSError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {url}")
    prefix = f"test-lockout-{os.getpid()}-{id(settings)}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    AxesProxyHandler.get_implementation(force=True)
    return caches["default"]


def test_lockouts_are_shared_through_redis(redis_cache, transactional_db):
    # given the lockout counting in Redis, and an account
    UserFactory(email="ada@example.com")

    # when five wrong passwords arrive, then a new process (its own cache connections) asks
    for n in range(5):
        _login(Client(), "ada@example.com", f"guess-{n}", ip=f"10.3.3.{n}")
    caches.close_all()
    AxesProxyHandler.get_implementation(force=True)  # a fresh process: new connections

    # then that process refuses the account too, and the counters are Redis keys
    assert _login(Client(), "ada@example.com", PASSWORD, ip="10.4.4.4").status_code == 429
    client = caches["default"]._cache.get_client(write=False)
    keys = client.keys(f"{redis_cache.key_prefix}:*")
    assert len(keys) >= 2
