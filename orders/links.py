"""Signed links that let a guest open their order page without an account."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "orders.guest-link"


def order_access_token(order_number: str) -> str:
    return signing.dumps(order_number, salt=_SALT, compress=True)


def token_grants(token: str, order_number: str, max_age_days: int = 365) -> bool:
    """True if ``token`` was signed by us for exactly this order (and is not too old)."""
    try:
        value = signing.loads(token, salt=_SALT, max_age=max_age_days * 86400)
    except signing.BadSignature:
        return False
    return value == order_number


def signed_order_path(order_number: str) -> str:
    path = reverse("orders:detail", kwargs={"number": order_number})
    return f"{path}?t={order_access_token(order_number)}"


def signed_order_url(order_number: str) -> str:
    return settings.SHOP_BASE_URL.rstrip("/") + signed_order_path(order_number)
