"""Signed links that let a guest open their order page without an account.

A link carries ``?t=<token>``: the order number and the order's ``link_version``, signed with
``SECRET_KEY``. It works for ``ORDER_LINK_MAX_AGE_DAYS`` (30 by default) and until staff
revoke the order's links (``revoke_links`` raises the version). Opening one remembers the
order in the session (view only: cancelling needs the browser that placed the order, or the
account) and redirects to the clean URL, so the token leaves the address bar, the history and
the access logs.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db.models import F
from django.urls import reverse

from orders.models import Order

_SALT = "orders.guest-link"


def order_access_token(order_number: str, version: int = 0) -> str:
    return signing.dumps([order_number, version], salt=_SALT, compress=True)


def token_version(token: str, order_number: str) -> int | None:
    """The link version ``token`` was signed with for exactly this order, if it is ours and
    not too old; None otherwise."""
    max_age = float(settings.ORDER_LINK_MAX_AGE_DAYS) * 86400
    try:
        value = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if value == order_number:  # links sent before versions existed: version 0
        return 0
    if isinstance(value, list) and len(value) == 2 and value[0] == order_number:
        return value[1] if isinstance(value[1], int) else None
    return None


def token_grants(token: str, order_number: str, version: int = 0) -> bool:
    """True if ``token`` opens order ``order_number`` now: ours, for this order, fresh, and
    signed with the order's current ``link_version``."""
    return token_version(token, order_number) == version


def signed_order_path(order_number: str, version: int = 0) -> str:
    path = reverse("orders:detail", kwargs={"number": order_number})
    return f"{path}?t={order_access_token(order_number, version)}"


def signed_order_url(order_number: str, version: int = 0) -> str:
    return settings.SHOP_BASE_URL.rstrip("/") + signed_order_path(order_number, version)


def revoke_links(order: Order) -> None:
    """Every link sent so far stops working, and browsers that opened one lose the order."""
    Order.objects.filter(pk=order.pk).update(link_version=F("link_version") + 1)
    order.refresh_from_db(fields=["link_version"])
