"""The catalog's versions in the shared cache, and the sidebar's category counts cached on them.

Two counters in ``CACHES["default"]`` (Redis in production, so every web process sees a bump):

- the **catalog version** changes with anything a catalog page shows: stock (the inventory
  module's conditional ``UPDATE``s, on commit), prices, names, pictures, categories (model
  saves and deletes, also the admin's). Cached pages are stored with the version they were
  rendered at (``shop.page_cache``); a page of another version is never served, so a change
  shows on the next request after its commit.
- the **category version** changes only when products or categories are saved or deleted (a
  product's ``is_active`` or category): the sidebar's counts (a ``GROUP BY`` over all products)
  are cached on it and survive the stock changes that every order makes.

A counter that is missing (evicted, a new cache) starts at the current time in nanoseconds,
never at a number an older page could have been stored with.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from catalog import queries
from catalog.models import Category

CATALOG_VERSION_KEY = "catalog:version"
CATEGORY_VERSION_KEY = "catalog:category-version"
CATEGORY_COUNTS_KEY = "catalog:category-counts"

logger = logging.getLogger(__name__)


def _bump(key: str) -> None:
    """Increment the counter. A cache that can't be reached must not fail the write that
    changed the catalog (a stock reservation, an admin save): cached pages then expire within
    ``PAGE_CACHE_SECONDS``, and the pages themselves bypass an unreachable cache."""
    try:
        try:
            cache.incr(key)
        except ValueError:  # missing: start above any version a page could carry
            cache.add(key, time.time_ns(), timeout=None)
    except Exception:  # any backend's connection error (redis, memcached, ...)
        logger.warning("catalog cache version %s not bumped: cache unavailable", key, exc_info=True)


def _bump_now_and_on_commit(*keys: str) -> None:
    """Bump now (no request renders this version's pages from the old rows after this) and
    again once the transaction commits (a page rendered between the two, from rows not yet
    committed, is not served after the commit)."""
    for key in keys:
        _bump(key)

    def _after_commit() -> None:
        for key in keys:
            _bump(key)

    transaction.on_commit(_after_commit)


def catalog_changed() -> None:
    """Stock, a price or a product's text changed: every cached catalog page is out of date
    from the commit on."""
    _bump_now_and_on_commit(CATALOG_VERSION_KEY)


def catalog_structure_changed() -> None:
    """Products or categories were added, removed, (de)activated or moved: the category
    counts too."""
    _bump_now_and_on_commit(CATALOG_VERSION_KEY, CATEGORY_VERSION_KEY)


def stock_changed_on_commit() -> None:
    """For the inventory module's conditional ``UPDATE``s: the new stock is visible to other
    requests only after the commit, so bump then (a bump now would let a request cache the
    old stock under the new version)."""
    transaction.on_commit(lambda: _bump(CATALOG_VERSION_KEY))


def version(key: str = CATALOG_VERSION_KEY) -> int:
    value = cache.get(key)
    if value is None:
        cache.add(key, time.time_ns(), timeout=None)
        value = cache.get(key)
    return int(value or 0)


def categories_with_counts() -> list[Category]:
    """``queries.categories_with_counts()``, cached on the category version for
    ``CATEGORY_COUNTS_CACHE_SECONDS`` (the bound for a change made without a model save,
    e.g. a bulk ``UPDATE`` in the shell)."""
    try:
        current = version(CATEGORY_VERSION_KEY)
        cached: Any = cache.get(CATEGORY_COUNTS_KEY)
    except Exception:  # an unreachable cache: count in the database, as without the cache
        logger.warning("category counts not cached: cache unavailable", exc_info=True)
        return list(queries.categories_with_counts())
    if cached is not None and cached[0] == current:
        return cached[1]
    categories = list(queries.categories_with_counts())
    try:
        cache.set(
            CATEGORY_COUNTS_KEY,
            (current, categories),
            timeout=settings.CATEGORY_COUNTS_CACHE_SECONDS,
        )
    except Exception:  # the answer is right anyway; the next request counts again
        logger.warning("category counts not cached: cache unavailable", exc_info=True)
    return categories
