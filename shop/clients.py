"""Who is asking: the client's address and the login's account, as the lockout (django-axes)
and the rate limits (``shop.ratelimit``) count them, and the lockout answer.

The address is ``REMOTE_ADDR`` unless the app runs behind the TLS proxy that
``SECURE_PROXY_SSL_HEADER`` declares; then it is the last hop of ``X-Forwarded-For`` (the one
the proxy added), as the API's throttles count it. A client can't make up addresses.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

LOCKED_OUT = (
    "Too many failed login attempts. Wait {minutes} minutes and try again, "
    "or reset your password to unlock your account now."
)


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, for logins that come with a request (pages, the API). A login without
    one (``Client.login`` in tests, the shell) is no HTTP client to count: it is let through to
    the next backend instead of failing."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any):  # type: ignore[override]
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def client_ip(request: HttpRequest) -> str:
    """The client's address as far as this app can trust it."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1][:64]
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:64]


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The account a login names, as stored (lower-case email), from the form or the API."""
    credentials = credentials or {}
    name = credentials.get("username") or credentials.get("email")
    if name is None and request is not None:
        name = request.POST.get("username") or request.POST.get("email")
    return str(name or "").strip().lower()[:254]


def cooloff_minutes() -> int:
    return max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))


def lockout_message() -> str:
    return LOCKED_OUT.format(minutes=cooloff_minutes())


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """429 with a plain message: JSON for the API, the lockout page otherwise."""
    retry_after = str(cooloff_minutes() * 60)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": "locked_out", "detail": lockout_message()}, status=429
        )
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"message": lockout_message(), "admin": request.path.startswith("/admin/")},
            status=429,
        )
    response["Retry-After"] = retry_after
    return response
