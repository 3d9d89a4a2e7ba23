"""API authentication and throttling policies (referenced from ``REST_FRAMEWORK`` settings).

Kept apart from the views: DRF imports these while ``rest_framework.views`` is loading.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, parsers, throttling
from rest_framework.request import Request
from rest_framework.settings import api_settings


class SessionAuthentication(authentication.SessionAuthentication):
    """Session auth with CSRF enforced for every request that carries a session cookie.

    DRF checks CSRF only for logged-in users; anonymous shoppers also own state in their
    session (cart, guest orders), so a cross-site request must not be able to change it either.
    Clients without cookies (token or brand-new anonymous callers) are not affected.
    """

    def authenticate(self, request: Request):  # type: ignore[override]
        result = super().authenticate(request)
        if result is None and settings.SESSION_COOKIE_NAME in request._request.COOKIES:
            self.enforce_csrf(request)
        return result


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with JSON nested deeper than Python's recursion limit refused as a
    parse error (400) instead of escaping as a ``RecursionError`` (500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """DRF's scoped throttle, reading the rates at request time so a settings change (tests,
    ``THROTTLE_*`` environment variables) applies without re-importing the class."""

    @property
    def THROTTLE_RATES(self) -> dict[str, str | None]:  # noqa: N802 - DRF's attribute name
        return api_settings.DEFAULT_THROTTLE_RATES


class CsrfSessionScheme(SessionScheme):
    """Describe the session scheme in the OpenAPI schema like DRF's own (cookie + CSRF).
    drf-spectacular registers an extension when its class is defined."""

    target_class = "shop.api_policies.SessionAuthentication"
    priority = 0

    def get_security_definition(self, auto_schema):
        return {
            **super().get_security_definition(auto_schema),
            "description": SESSION_SCHEME_HELP,
        }


SESSION_SCHEME_HELP = (
    "The session cookie of the pages, or of an anonymous caller that keeps cookies (its cart and "
    "guest orders live in the session). Every write of a request that carries the session "
    "cookie needs the `X-CSRFToken` header with the value of the `csrftoken` cookie, which any "
    "`GET /api/cart/` sets; a caller without cookies needs neither (its first write starts a "
    "session). Answers 403 `csrf_failed` otherwise."
)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The API token as an HTTP bearer scheme: generated clients send `Bearer <token>`."""

    target_class = "accounts.tokens.ExpiringTokenAuthentication"
    name = "tokenAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "`Authorization: Bearer <token>` with the token of "
            "`POST /api/auth/token/` (`Token <token>` works too). A malformed, unknown or "
            "expired token is a 401, never anonymous access.",
        }
