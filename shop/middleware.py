"""Response headers the security middleware of Django and django-csp don't set."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    """``Permissions-Policy``: the shop uses no camera, microphone, location, payment API..."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def private_no_store(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``Cache-Control: private, no-store`` on a page with someone's data (orders): no shared
    or browser cache keeps it."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    return wrapped
