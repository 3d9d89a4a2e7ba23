"""Invoice tests: ``postgres`` tests are skipped on SQLite (concurrency needs real row locks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings


def pytest_collection_modifyitems(config, items):
    if django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    here = Path(__file__).parent
    for item in items:
        marker = item.get_closest_marker("postgres")
        if marker and here in Path(item.path).parents:
            reason = marker.kwargs.get("reason") or "needs PostgreSQL (set DATABASE_URL)"
            item.add_marker(pytest.mark.skip(reason=f"needs PostgreSQL: {reason}"))


@pytest.fixture(autouse=True)
def _seller(settings):
    """A known seller, whatever the environment says."""
    settings.SHOP_SELLER_NAME = "Temporal Shop GmbH"
    settings.SHOP_SELLER_ADDRESS = ["Beispielstraße 1", "10115 Berlin", "Germany"]
    settings.SHOP_SELLER_VAT_ID = "DE123456789"
    settings.SHOP_SELLER_EMAIL = "billing@example.com"
    settings.SHOP_SELLER_LEGAL = ["Amtsgericht Charlottenburg HRB 1"]
