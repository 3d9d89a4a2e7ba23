"""Cart business logic, shared by the pages, the login signal and the REST API.

Every function takes a ``Cart`` (or a user / session), never a request, except ``get_cart`` and
``cart_count`` which are conveniences for views. Prices always come from the database: nothing
here accepts a price. Bad input raises ``CartError`` and changes nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

from cart.models import Cart, CartItem
from cart.summary import CartLine as CartLine  # re-exported: the pages and the API read here
from cart.summary import CartSummary as CartSummary
from cart.summary import contents_version as contents_version
from cart.summary import summarize as summarize
from catalog.models import Product
from promotions.services import Discount, VoucherError, check_voucher, find_voucher
from shop import locks, ratelimit
from shop.clients import client_ip

TOO_MANY_CARTS = (
    "Too many new carts from your network just now. Please try again later, and allow cookies "
    "so your cart is kept."
)
# A cart whose session is gone is deleted once this old (its session may not be saved yet).
ORPHAN_GRACE = timedelta(hours=1)
MIN_QUANTITY = 1
MAX_QUANTITY = 99
# Session key holding the anonymous cart's id: it survives the session key rotation at login,
# so the login signal can still find the cart to merge.
SESSION_CART_ID = "cart_id"
_INTEGER_RE = re.compile(r"-?[0-9]+")
_ID_RE = re.compile(r"[0-9]{1,18}")


class CartError(Exception):
    """Bad cart input. ``code`` is stable (for the API); ``message`` is for people."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- Parsing ---------------------------------------------------------------------------------


def parse_quantity(raw: Any) -> int:
    """An integer between 1 and 99, from a form value, a JSON value or an int."""
    if isinstance(raw, bool):
        raise CartError("Please enter a whole number as the quantity.", "invalid_quantity")
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw if raw is not None else "").strip()
        if not _INTEGER_RE.fullmatch(text):
            raise CartError("Please enter a whole number as the quantity.", "invalid_quantity")
        digits = text.lstrip("-").lstrip("0") or "0"
        # Don't parse absurdly long numbers: their size is all that matters.
        value = int(digits) if len(digits) <= 6 else MAX_QUANTITY + 1
        if text.startswith("-") and value:
            value = -value
    if value < MIN_QUANTITY:
        raise CartError("The quantity must be at least 1.", "invalid_quantity")
    if value > MAX_QUANTITY:
        raise CartError(f"You can order at most {MAX_QUANTITY} of one product.", "invalid_quantity")
    return value


def _parse_product_id(raw: Any) -> int:
    text = str(raw if raw is not None else "").strip()
    if isinstance(raw, bool) or not _ID_RE.fullmatch(text):
        raise CartError("That product does not exist.", "unknown_product")
    return int(text)


def _active_product(product_id: Any) -> Product:
    pk = _parse_product_id(product_id)
    product = Product.objects.select_related("stock").filter(pk=pk).first()
    if product is None:
        raise CartError("That product does not exist.", "unknown_product")
    if not product.is_active:
        raise CartError(f"{product.name} is no longer available.", "unknown_product")
    return product


def _check_stock(product: Product, wanted: int, in_cart: int = 0) -> None:
    available = product.available_quantity
    if wanted <= available:
        return
    if available <= 0:
        raise CartError(f"{product.name} is sold out.", "insufficient_stock")
    message = f"Only {available} left of {product.name}."
    if in_cart:
        message += f" You already have {in_cart} in your cart."
    raise CartError(message, "insufficient_stock")


# --- Finding carts ---------------------------------------------------------------------------


def cart_for_user(user: Any, create: bool = True) -> Cart | None:
    if create:
        cart, _ = Cart.objects.get_or_create(user=user)
        return cart
    return Cart.objects.filter(user=user).first()


def cart_for_session(session: SessionBase, create: bool = True) -> Cart | None:
    """The anonymous cart of a session (found by the id kept in the session data)."""
    cart_id = session.get(SESSION_CART_ID)
    if cart_id is not None:
        cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first()
        if cart is not None or not create:
            return cart
    if not create:
        return None
    if session.session_key is None:
        session.save()  # assigns a session key
    cart, _ = Cart.objects.get_or_create(session_key=session.session_key, user=None)
    session[SESSION_CART_ID] = cart.pk
    return cart


def get_cart(request: HttpRequest, create: bool = False) -> Cart | None:
    """The user's cart when logged in, else the session's cart. A new anonymous cart (and its
    session) counts against ``RATE_LIMIT_ANONYMOUS_CARTS`` per client address: a client that
    never sends its cookie back would otherwise make one per request."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return cart_for_user(user, create=create)
    cart = cart_for_session(request.session, create=False)
    if cart is not None or not create:
        return cart
    if not ratelimit.hit(
        "anonymous-cart", [f"ip:{client_ip(request)}"], settings.RATE_LIMIT_ANONYMOUS_CARTS
    ):
        raise CartError(TOO_MANY_CARTS, "rate_limited")
    return cart_for_session(request.session, create=True)


def cart_count(request: HttpRequest) -> int:
    """Units in the cart, for the navigation bar: at most one query."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        items = CartItem.objects.filter(cart__user=user)
    else:
        cart_id = request.session.get(SESSION_CART_ID)
        if cart_id is None:
            return 0
        items = CartItem.objects.filter(cart_id=cart_id, cart__user__isnull=True)
    return items.aggregate(n=Sum("quantity"))["n"] or 0


# --- Changing a cart -------------------------------------------------------------------------


def add_item(cart: Cart, product_id: Any, quantity: Any) -> CartItem:
    """Add ``quantity`` units (on top of what is already in the cart)."""
    quantity = parse_quantity(quantity)
    product = _active_product(product_id)
    try:
        item = _add(cart, product, quantity)
    except IntegrityError:
        # A concurrent add (a double click) created the line first: add on top of it.
        item = _add(cart, product, quantity)
    item.product = product
    return item


def _add(cart: Cart, product: Product, quantity: int) -> CartItem:
    with transaction.atomic():
        item = locks.cart_items(cart).filter(product=product).first()
        in_cart = item.quantity if item else 0
        wanted = in_cart + quantity
        if wanted > MAX_QUANTITY:
            raise CartError(
                f"You can order at most {MAX_QUANTITY} of one product "
                f"(you already have {in_cart} in your cart).",
                "invalid_quantity",
            )
        _check_stock(product, wanted, in_cart)
        if item is None:
            item = CartItem.objects.create(cart=cart, product=product, quantity=wanted)
        else:
            item.quantity = wanted
            item.save(update_fields=["quantity"])
        Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return item


def set_quantity(cart: Cart, product_id: Any, quantity: Any) -> CartItem:
    """Replace the quantity of a product already in the cart."""
    quantity = parse_quantity(quantity)
    pk = _parse_product_id(product_id)
    with transaction.atomic():
        item = locks.cart_items(cart).select_related("product__stock").filter(product_id=pk).first()
        if item is None:
            raise CartError("That product is not in your cart.", "not_in_cart")
        if not item.product.is_active:
            raise CartError(f"{item.product.name} is no longer available.", "unknown_product")
        _check_stock(item.product, quantity)
        item.quantity = quantity
        item.save(update_fields=["quantity"])
        Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return item


def remove_item(cart: Cart, product_id: Any) -> None:
    pk = _parse_product_id(product_id)
    deleted, _ = CartItem.objects.filter(cart=cart, product_id=pk).delete()
    if not deleted:
        raise CartError("That product is not in your cart.", "not_in_cart")


def clear(cart: Cart | None) -> None:
    if cart is not None:
        CartItem.objects.filter(cart=cart).delete()


def apply_voucher(cart: Cart, code: Any, *, user: Any = None) -> Discount:
    """Check ``code`` against the cart (its subtotal, the user's earlier uses) and keep it on
    the cart; raises ``CartError`` with the voucher's code (``voucher_expired``...)."""
    subtotal = sum(
        (
            price * quantity
            for price, quantity in CartItem.objects.filter(cart=cart).values_list(
                "product__price", "quantity"
            )
        ),
        Decimal("0.00"),
    )
    try:
        voucher = find_voucher(code)
        discount = check_voucher(voucher, subtotal, user=user)
    except VoucherError as exc:
        raise CartError(exc.message, exc.code) from exc
    Cart.objects.filter(pk=cart.pk).update(voucher_code=voucher.code, updated_at=timezone.now())
    cart.voucher_code = voucher.code
    return discount


def remove_voucher(cart: Cart | None) -> None:
    if cart is not None and cart.voucher_code:
        Cart.objects.filter(pk=cart.pk).update(voucher_code="", updated_at=timezone.now())
        cart.voucher_code = ""


def delete_stale_anonymous_carts(older_than: timedelta) -> int:
    """Delete anonymous carts (and their items) not changed for ``older_than``: their session
    has usually expired, so nobody can reach them any more. Users' carts are kept. Returns the
    number of carts deleted."""
    cutoff = timezone.now() - older_than
    stale = Cart.objects.filter(user__isnull=True, updated_at__lt=cutoff)
    with transaction.atomic():
        CartItem.objects.filter(cart__in=stale).delete()
        deleted, _ = stale.delete()
    return deleted


# Both keep every session as a database row (``cached_db`` writes through to it).
DATABASE_SESSION_ENGINES = frozenset(
    {"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"}
)


def delete_orphaned_anonymous_carts(older_than: timedelta = ORPHAN_GRACE) -> int:
    """Delete anonymous carts whose session is gone (expired and cleared, or a client that
    never came back: cookieless API calls), once older than ``older_than``. Only with database
    sessions, cached or not (elsewhere a session's absence can't be seen). Returns the number
    deleted."""
    if settings.SESSION_ENGINE not in DATABASE_SESSION_ENGINES:
        return 0
    Session.objects.filter(expire_date__lt=timezone.now()).delete()
    orphans = Cart.objects.filter(
        user__isnull=True, created_at__lt=timezone.now() - older_than
    ).exclude(session_key__in=Session.objects.values("session_key"))
    with transaction.atomic():
        CartItem.objects.filter(cart__in=orphans).delete()
        deleted, _ = orphans.delete()
    return deleted


# --- Login merge -----------------------------------------------------------------------------


def merge_into_user_cart(session_cart: Cart | None, user: Any) -> list[str]:
    """Move an anonymous cart into the user's cart: quantities add up, capped by stock (and
    by the per-product maximum). The anonymous cart is deleted. Returns messages for the
    shopper (empty when there was nothing to merge)."""
    if session_cart is None or session_cart.user_id is not None:
        return []
    items = list(CartItem.objects.filter(cart=session_cart).select_related("product__stock"))
    if not items:
        session_cart.delete()
        return []
    messages: list[str] = []
    added = 0
    with transaction.atomic():
        user_cart = cart_for_user(user, create=True)
        existing = {item.product_id: item for item in locks.cart_items(user_cart)}
        for item in items:
            product = item.product
            if not product.is_active:
                messages.append(f"{product.name} is no longer available and was not kept.")
                continue
            current = existing.get(product.pk)
            in_cart = current.quantity if current else 0
            wanted = in_cart + item.quantity
            cap = min(product.available_quantity, MAX_QUANTITY)
            target = min(wanted, cap)
            if target < wanted:
                if target <= in_cart:
                    messages.append(
                        f"{product.name} is sold out."
                        if cap <= 0
                        else f"Only {cap} left of {product.name}: your cart keeps {in_cart}."
                    )
                else:
                    messages.append(
                        f"Only {cap} left of {product.name}: your cart now has {target}."
                    )
            if target <= in_cart:
                continue
            added += target - in_cart
            if current is None:
                CartItem.objects.create(cart=user_cart, product=product, quantity=target)
            else:
                current.quantity = target
                current.save(update_fields=["quantity"])
        if session_cart.voucher_code and not user_cart.voucher_code:
            # The voucher typed before logging in comes along (checked again on the summary).
            Cart.objects.filter(pk=user_cart.pk).update(voucher_code=session_cart.voucher_code)
        session_cart.delete()
    if added:
        noun = "item" if added == 1 else "items"
        messages.insert(0, f"We added {added} {noun} from your earlier visit to your cart.")
    return messages
