"""Anonymous full-page cache with per-request holes (the catalog's pages).

An anonymous GET of a cached view is answered from ``CACHES["default"]`` (Redis in
production) without running the view: the page's HTML is stored once per (view, URL with its
query string, language) together with the catalog version it was rendered at, and served only
while that version is current (``catalog.cache``: stock and price writes bump it on commit).
``PAGE_CACHE_SECONDS`` bounds the life of an entry anyway (a write that bypasses the bumps).

What differs between visitors is never stored. The page is rendered with markers in place of
the visitor's own values (the ``placeholders`` context processor, last in ``TEMPLATES``) and the
markers are replaced on every answer:

- the CSRF token (every ``{% csrf_token %}``: add-to-cart forms, language switcher): this
  visitor's token, ``get_token(request)`` (which also sets their CSRF cookie when needed);
- the cart count in the header: ``cart.services.cart_count(request)``.

Not cached, rendered as before: signed-in visitors (their name, links, staff menu), a visitor
with messages waiting (they belong to that visitor), anything but GET/HEAD and any answer but a
200. The language is part of the key (the URL is the same in both languages). The markers are
derived from ``SECRET_KEY``: page content (a product's text, a search query) can't forge one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation

from cart.services import cart_count


def _marker(name: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), name.encode(), hashlib.sha256).hexdigest()
    return f"pagecache{name}{digest[:24]}"  # letters and digits only: survives autoescaping


logger = logging.getLogger(__name__)

CSRF_MARKER = _marker("csrf")
CART_COUNT_MARKER = _marker("cart")
_FILLING = "_page_cache_filling"


def placeholders(request: HttpRequest) -> dict[str, Any]:
    """Context processor (after ``csrf`` and ``cart_summary``): markers instead of this
    visitor's values while a page is rendered for the cache."""
    if getattr(request, _FILLING, False):
        return {"csrf_token": CSRF_MARKER, "cart_count": CART_COUNT_MARKER}
    return {}


def cacheable(request: HttpRequest) -> bool:
    """May this request be answered from (and fill) the shared page cache?"""
    if request.method not in ("GET", "HEAD") or settings.PAGE_CACHE_SECONDS <= 0:
        return False
    if request.user.is_authenticated:
        return False
    # len() loads the waiting messages without marking them read: they still show below.
    return len(messages.get_messages(request)) == 0


def page_key(request: HttpRequest, view_name: str) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"page:{view_name}:{translation.get_language()}:{path}"


def fill(request: HttpRequest, html: str) -> str:
    """The cached ``html`` with this visitor's CSRF token and cart count."""
    if CSRF_MARKER in html:
        html = html.replace(CSRF_MARKER, get_token(request))
    if CART_COUNT_MARKER in html:
        html = html.replace(CART_COUNT_MARKER, str(cart_count(request)))
    return html


def anonymous_page_cache(
    version_key: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Cache a view's page for anonymous visitors while the counter at ``version_key`` (in the
    same cache) stays unchanged. One cache round trip on a hit (version and page together)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        view_name = f"{view.__module__}.{view.__qualname__}"

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not cacheable(request):
                return view(request, *args, **kwargs)
            key = page_key(request, view_name)
            try:
                found = cache.get_many([version_key, key])
                version = found.get(version_key)
                if version is None:  # a new or emptied cache: never reuse a number
                    cache.add(version_key, time.time_ns(), timeout=None)
                    version = cache.get(version_key)
            except Exception:  # the cache is unreachable: render as without it, never a 500
                logger.warning("page cache unavailable: %s rendered", view_name, exc_info=True)
                return view(request, *args, **kwargs)
            entry = found.get(key)
            if entry is not None and entry[0] == version:
                response = HttpResponse(fill(request, entry[1]))
                response["X-Page-Cache"] = "hit"
                return response
            setattr(request, _FILLING, True)
            try:
                response = view(request, *args, **kwargs)
            finally:
                setattr(request, _FILLING, False)
            if response.streaming:
                return response
            html = response.content.decode(response.charset)
            if response.status_code == 200 and not response.cookies:  # only plain pages
                try:
                    cache.set(key, (version, html), timeout=settings.PAGE_CACHE_SECONDS)
                    response["X-Page-Cache"] = "miss"
                except Exception:  # not stored this time; the page is right anyway
                    logger.warning(
                        "page cache unavailable: %s not stored", view_name, exc_info=True
                    )
            # Whatever the answer, the markers rendered into it become this visitor's values.
            response.content = fill(request, html)
            return response

        return wrapped

    return decorate
