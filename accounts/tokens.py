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
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

EXPIRED = "Your API token expired. Get a new one with POST /api/auth/token/."


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
    """``Authorization: Token <key>``, refused (401) once the token is older than its TTL."""

    def authenticate_credentials(self, key: str):  # type: ignore[override]
        user, token = super().authenticate_credentials(key)
        if is_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed(EXPIRED)
        return user, token
