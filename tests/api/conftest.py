"""API test fixtures: DRF clients, throttling off unless a test turns it on."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _api_settings(settings):
    """No throttling by default (tests and the fuzz run must not trip it) and a clean cache
    (the throttles' history lives there)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"checkout": None, "auth": None},
    }
    cache.clear()
    yield
    cache.clear()


def throttle(settings, **rates: str) -> None:
    """Turn throttling on for this test with the given rates, e.g. ``checkout="2/min"``."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"checkout": None, "auth": None, **rates},
    }


@pytest.fixture
def api() -> APIClient:
    """An anonymous client (a session cookie appears once the API creates a session)."""
    return APIClient()


@pytest.fixture
def shopper(db):
    return UserFactory(email="ada@example.com")


@pytest.fixture
def shopper_api(shopper) -> APIClient:
    """A client authenticated with the shopper's API token."""
    from rest_framework.authtoken.models import Token

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=shopper)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
