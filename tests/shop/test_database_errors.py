"""A database connection lost mid-request answers 503 with Retry-After, never a 500."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from catalog import api as catalog_api
from catalog import views as catalog_views

pytestmark = pytest.mark.django_db


def _drop(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def test_a_page_answers_503_with_retry_after(client, monkeypatch):
    # Given the database drops the connection while the listing renders
    monkeypatch.setattr(catalog_views, "render", _drop)

    # When the listing is requested
    response = client.get("/products/")

    # Then a plain page says to try again, with Retry-After
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert "Please try again in a moment." in response.content.decode()


def test_the_api_answers_503_in_json(client, monkeypatch):
    # Given the database drops the connection while the API lists products
    monkeypatch.setattr(catalog_api.ProductViewSet, "list", _drop)

    # When the API is called
    response = client.get("/api/products/")

    # Then 503 JSON with a stable code and Retry-After
    assert response.status_code == 503
    assert response.json() == {
        "code": "temporarily_unavailable",
        "detail": "We could not reach our database just now. Please try again in a moment.",
    }
    assert response["Retry-After"] == "2"
