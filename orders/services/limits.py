"""Abuse limits of checkout and paying, shared by the pages and the API (counted in the cache,
Redis in production: ``shop.ratelimit``).

- ``RATE_LIMIT_CHECKOUT``: checkout and pay-again submits per session, per account and per
  client address (card testing runs many cards through one of them);
- ``CHECKOUT_DECLINE_LIMIT``: after that many declined cards in a row a session (and an
  account) may not pay for a while;
- ``RATE_LIMIT_GUEST_EMAIL``: guest orders per email address (each order emails that address,
  so the shop can't be made to flood someone's inbox).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from orders.services.checkout import CheckoutError
from shop import ratelimit
from shop.clients import client_ip

TOO_MANY_TRIES = "Too many attempts to pay. Please wait a few minutes before you try again."
TOO_MANY_DECLINES = (
    "Your card was declined too many times in a row. Please wait a while before you try "
    "again, or contact your bank."
)
TOO_MANY_GUEST_ORDERS = (
    "We have received many orders for this email address in the last hour. Please wait a "
    "while, or log in to your account to order."
)
CARD_REFUSED = "Please check your card details."
DECLINE_WINDOW_SECONDS = 3600


def check_payment_limits(request: HttpRequest, email: str = "", user: Any = None) -> None:
    """Before a card goes to the gateway (checkout, pay again): raises ``CheckoutError``
    (``rate_limited``) after too many declines in a row, too many guest orders for ``email``,
    or too many attempts from this session, account or address (this attempt is counted)."""
    if declines_exhausted(request):
        raise CheckoutError(TOO_MANY_DECLINES, "rate_limited")
    if email and guest_email_over_limit(email, user):
        raise CheckoutError(TOO_MANY_GUEST_ORDERS, "rate_limited")
    if not allow_payment_attempt(request):
        raise CheckoutError(TOO_MANY_TRIES, "rate_limited")


def caller_keys(request: HttpRequest) -> list[str]:
    """The session (if it has one: none is made for this), the account (when logged in) and
    the client address of a request."""
    keys = [f"ip:{client_ip(request)}"]
    if request.session.session_key is not None:
        keys.append(f"session:{request.session.session_key}")
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        keys.append(f"user:{user.pk}")
    return keys


def allow_payment_attempt(request: HttpRequest) -> bool:
    """Count one checkout or pay-again submit; False when the caller is over the limit."""
    return ratelimit.hit("pay", caller_keys(request), settings.RATE_LIMIT_CHECKOUT)


def declines_exhausted(request: HttpRequest) -> bool:
    """True after ``CHECKOUT_DECLINE_LIMIT`` declines in a row for this session or account."""
    limit = int(settings.CHECKOUT_DECLINE_LIMIT)
    return any(ratelimit.streak("declines", key) >= limit for key in _decline_keys(request))


def record_payment_outcome(request: HttpRequest, declined: bool) -> None:
    """A declined card extends the streak; any other answer ends it."""
    for key in _decline_keys(request):
        if declined:
            ratelimit.add_to_streak("declines", key, DECLINE_WINDOW_SECONDS)
        else:
            ratelimit.reset_streak("declines", key)


def _decline_keys(request: HttpRequest) -> list[str]:
    return [key for key in caller_keys(request) if not key.startswith("ip:")]


def guest_email_over_limit(email: str, user: Any) -> bool:
    """True when a guest checkout for ``email`` would go over ``RATE_LIMIT_GUEST_EMAIL``."""
    if user is not None and getattr(user, "is_authenticated", False):
        return False
    return ratelimit.exceeded("guest-email", [_email_key(email)], settings.RATE_LIMIT_GUEST_EMAIL)


def count_guest_order(email: str, user: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        ratelimit.hit("guest-email", [_email_key(email)], settings.RATE_LIMIT_GUEST_EMAIL)


def _email_key(email: str) -> str:
    return f"email:{email.strip().lower()}"
