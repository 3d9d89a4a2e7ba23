"""The shop's own "not found" page even with ``DEBUG`` on.

Django answers a 404 with its technical page (URL patterns, settings) while ``DEBUG`` is on; a
shopper, a demo and the browser tests should meet the shop's page instead. With ``DEBUG`` off,
``handler404`` (``shop.views.page_not_found``) already answers and this middleware does nothing.
A settings override with ``SHOW_TECHNICAL_404 = True`` brings Django's page back while debugging
URL patterns.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from shop.views import page_not_found


class ShopNotFoundMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and not getattr(settings, "SHOW_TECHNICAL_404", False)
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return page_not_found(request)
        return response
