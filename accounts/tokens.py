"""API tokens (DRF's ``authtoken``, one per account) that expire: ``API_TOKEN_TTL_HOURS`` after
they were issued they stop working, and every password change or reset deletes them.

An account lists and revokes its token on the account page (``/accounts/api-token/``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from axes.utils import reset as reset_lockout
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.authtoken.models import Token
from rest_framework.request import Request

EXPIRED = "Your API token expired. Get a new one with POST /api/auth/token/."
MALFORMED = (
    "Malformed Authorization header: send `Authorization: Bearer <token>` (or `Token <token>`)."
)
# Both spellings carry the same token: `Bearer` is what OpenAPI clients send for an HTTP bearer
# scheme, `Token` is DRF's historical one.
KEYWORDS = ("bearer", "token")


def token_lifetime() -> timedelta:
    return timedelta(hours=float(settings.API_TOKEN_TTL_HOURS))


def expires_at(token: Token) -> datetime:
    return token.created + token_lifetime()


def is_expired(token: Token) -> bool:
    return timezone.now() >= expires_at(token)


def issue_token(user: Any) -> Token:
    """The account's token: the current one while it is valid, else a new one."""
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is not None and not is_expired(token):
            return token
        if token is not None:
            token.delete()
        return Token.objects.create(user=user)


def account_tokens(user: Any) -> list[Token]:
    """The account's valid tokens (the account page lists them)."""
    return [token for token in Token.objects.filter(user=user) if not is_expired(token)]


def revoke_tokens(user: Any) -> int:
    """Delete every token of the account; the number deleted."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted


def password_changed(user: Any) -> None:
    """A new password ends what the old one granted: API tokens are deleted, and a lockout of
    the account (too many wrong passwords) is lifted, since its owner proved who they are."""
    revoke_tokens(user)
    reset_lockout(username=user.email)


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Bearer <key>`` (or ``Token <key>``), refused (401) once the token is
    older than its TTL. Any other ``Authorization`` header (another scheme, no key, a key with
    spaces) is a 401 too: credentials that were sent and not understood never fall back to
    anonymous access."""

    keyword = "Bearer"

    def authenticate(self, request: Request):  # type: ignore[override]
        parts = get_authorization_header(request).split()
        if not parts:
            return None
        if parts[0].lower().decode(errors="replace") not in KEYWORDS or len(parts) != 2:
            raise exceptions.AuthenticationFailed(MALFORMED)
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(MALFORMED) from None
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str):  # type: ignore[override]
        user, token = super().authenticate_credentials(key)
        if is_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed(EXPIRED)
        return user, token
