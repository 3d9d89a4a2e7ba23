"""Placing an order and starting its workflow.

``place_order`` writes the order in one transaction (prices from the database, never from the
request), keyed by a checkout token so a repeated submit returns the same order. After commit
it starts ``OrderWorkflow``; if Temporal is down the order simply waits for
``start_pending_orders`` (the sweeper run by ``runworker`` and by the management command).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from cart.models import Cart, CartItem
from cart.pricing import quote_items
from cart.services import contents_version, remove_voucher
from orders.events import record
from orders.models import Order, OrderEvent, OrderLine
from orders.payments import CardToken
from orders.services.checkout_amounts import (
    cart_voucher,
    line_amounts,
    order_amounts,
    voucher_refused,
)
from orders.status import FINAL as FINAL_STATUSES
from orders.status import OrderStatus
from promotions.services import VoucherError, lock_voucher, take_usage
from shop import locks, metrics
from shop.workflow_starts import start_in_turn
from taxes.rates import rates_for
from workflows.client import TemporalUnavailable, start_order_workflow

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L, U/V: easy to read out on the phone.
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
NUMBER_LENGTH = 8
NUMBER_PREFIX = "SH-"
_NUMBER_ATTEMPTS = 5

ADDRESS_FIELDS = ("full_name", "line1", "line2", "city", "postal_code", "country", "phone")
REQUIRED_ADDRESS_FIELDS = ("full_name", "line1", "city", "postal_code", "country")


class CheckoutError(Exception):
    """The order can't be placed as asked. ``code`` is stable; ``message`` is for people."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class PlaceOrderResult:
    order: Order
    created: bool


def new_order_number() -> str:
    return NUMBER_PREFIX + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))


def shipping_cost(method: str) -> Decimal:
    try:
        return Decimal(str(settings.SHIPPING_METHODS[method]["price"]))
    except KeyError:
        raise CheckoutError("Please choose a shipping method.", "invalid_shipping_method") from None


def _clean_address(address: dict[str, Any]) -> dict[str, str]:
    cleaned = {key: str(address.get(key) or "").strip() for key in ADDRESS_FIELDS}
    missing = [key for key in REQUIRED_ADDRESS_FIELDS if not cleaned[key]]
    if missing:
        raise CheckoutError(
            "The shipping address is incomplete: " + ", ".join(missing).replace("_", " ") + ".",
            "invalid_address",
        )
    cleaned["country"] = cleaned["country"].upper()
    return cleaned


def _checked_items(cart: Cart | None) -> list[CartItem]:
    """The cart's items with current products and stock; raises if something can't be had."""
    if cart is None:
        raise CheckoutError("Your cart is empty.", "empty_cart")
    items = list(CartItem.objects.filter(cart=cart).select_related("product__stock").order_by("pk"))
    if not items:
        raise CheckoutError("Your cart is empty.", "empty_cart")
    problems = []
    for item in items:
        product = item.product
        available = product.available_quantity
        if not product.is_active:
            problems.append(f"{product.name} is no longer available.")
        elif available <= 0:
            problems.append(f"{product.name} sold out.")
        elif item.quantity > available:
            problems.append(f"Only {available} left of {product.name}.")
    if problems:
        raise CheckoutError(" ".join(problems) + " Please update your cart.", "insufficient_stock")
    return items


def _existing(checkout_token: str) -> Order | None:
    return Order.objects.filter(checkout_token=checkout_token).first()


def _check_reviewed(items: list[CartItem], reviewed_version: str, voucher_code: str) -> None:
    if reviewed_version and reviewed_version != contents_version(
        ((item.product_id, item.quantity, item.product.price) for item in items), voucher_code
    ):
        raise CheckoutError(
            "Your cart or its prices changed since you reviewed your order. Please check "
            "the updated review below and place the order again.",
            "cart_changed",
        )


def precheck(cart: Cart | None, checkout_token: str, reviewed_version: str = "") -> Order | None:
    """What can be known before a card is sent anywhere: the order already placed with this
    token (a double submit: no new card needed), else None when the cart can be ordered. Raises
    ``CheckoutError`` as ``place_order`` would (empty cart, sold out, cart changed)."""
    existing = _existing(checkout_token)
    if existing is not None:
        return existing
    _check_reviewed(_checked_items(cart), reviewed_version, cart_voucher(cart))
    return None


def request_fingerprint(data: Any) -> str:
    """A keyed hash of a checkout request's parameters (card included, so never a bare hash)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return salted_hmac("orders.checkout-request", canonical, algorithm="sha256").hexdigest()


def _twin(existing: Order, fingerprint: str) -> PlaceOrderResult:
    """The order placed earlier with this token, if it was placed by the same request."""
    if fingerprint:
        placed = OrderEvent.objects.filter(order=existing, kind=OrderEvent.Kind.PLACED).first()
        first = (placed.data or {}).get("request", "") if placed is not None else ""
        if first and first != fingerprint:
            raise CheckoutError(
                "This Idempotency-Key was used for a different checkout request. Use a new key "
                "for a new order, or repeat the first request unchanged.",
                "idempotency_key_reused",
            )
    return PlaceOrderResult(existing, created=False)


def customer_language() -> str:
    """The active language as one of ``settings.LANGUAGES`` (the default one otherwise)."""
    try:
        return translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return settings.LANGUAGE_CODE


def place_order(
    *,
    cart: Cart | None,
    email: str,
    shipping_address: dict[str, Any],
    shipping_method: str,
    card: CardToken | None,
    checkout_token: str,
    user: Any = None,
    reviewed_version: str = "",
    start_workflow: bool = True,
    request_fingerprint: str = "",
    voucher_code: str | None = None,
) -> PlaceOrderResult:
    """Create the order from ``cart`` (or return the one already placed with this token).

    ``reviewed_version`` is the ``CartSummary.version`` of the cart the shopper reviewed: when
    given and the cart or its prices changed since, nothing is placed (``cart_changed``).
    ``start_workflow=False``: the caller starts it (``orders.services.paying``, which waits
    for the card's answer); otherwise it is started once the order is committed.
    ``request_fingerprint`` (the API's, see ``request_fingerprint()``): a repeat with the same
    token but another request is refused (``idempotency_key_reused``), never answered with the
    first order.
    ``voucher_code``: the API's code; None uses the cart's (the pages'). Its usage is taken in
    the order's transaction under the voucher's lock: when it can't be used (``voucher_*``
    codes, e.g. ``voucher_exhausted`` for the loser of a race for a single-use code) nothing
    is placed and a cart's code is removed."""
    checkout_token = (checkout_token or "").strip()
    if not checkout_token or len(checkout_token) > 64:
        raise CheckoutError("This checkout form expired; please submit it again.", "invalid_token")
    if not email:
        raise CheckoutError("Please enter your email address.", "invalid_email")
    address = _clean_address(shipping_address)
    shipping_cost(shipping_method)  # raises for an unknown method
    from_cart = voucher_code is None
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None

    try:
        return _place(
            cart=cart,
            email=email,
            address=address,
            shipping_method=shipping_method,
            card=card,
            checkout_token=checkout_token,
            user=user,
            reviewed_version=reviewed_version,
            start_workflow=start_workflow,
            request_fingerprint=request_fingerprint,
            voucher_code=voucher_code,
        )
    except VoucherError as exc:  # the transaction rolled back: nothing was placed
        raise CheckoutError(voucher_refused(exc, cart, from_cart), exc.code) from exc


def _place(
    *,
    cart: Cart | None,
    email: str,
    address: dict[str, str],
    shipping_method: str,
    card: CardToken | None,
    checkout_token: str,
    user: Any,
    reviewed_version: str,
    start_workflow: bool,
    request_fingerprint: str,
    voucher_code: str | None,
) -> PlaceOrderResult:
    with transaction.atomic():
        # The cart's lock first: a double submit waits here for its twin, then finds the
        # twin's order by the token (one lookup) instead of racing it for the cart.
        if cart is not None:
            locks.cart(cart)
        existing = _existing(checkout_token)
        if existing is not None:
            return _twin(existing, request_fingerprint)
        items = _checked_items(cart)
        code = cart_voucher(cart) if voucher_code is None else voucher_code.strip()
        _check_reviewed(items, reviewed_version, code)
        if card is None:  # only a twin (see precheck) comes without a card
            raise CheckoutError("Please enter your card details again.", "invalid")
        subtotal = sum((item.product.price * item.quantity for item in items), Decimal("0.00"))
        voucher, discount = (
            lock_voucher(code, subtotal, user=user, email=email) if code else (None, None)
        )
        priced = quote_items(
            [(item.product, item.quantity) for item in items],
            rates=rates_for(address["country"]),
            discount=discount,
            shipping=Decimal(str(settings.SHIPPING_METHODS[shipping_method]["price"])),
        )
        fields = {
            "checkout_token": checkout_token,
            "user": user,
            "email": email,
            "status": OrderStatus.RECEIVED,
            **{f"ship_{key}": value for key, value in address.items()},
            "shipping_method": shipping_method,
            "currency": settings.SHOP_CURRENCY,
            # The request's language (LocaleMiddleware): the order's emails are written in it.
            "language": customer_language(),
            **order_amounts(priced),
            "voucher_code": voucher.code if voucher is not None else "",
            "payment_token": card.token,
            "card_brand": card.brand,
            "card_last4": card.last4,
        }
        order = None
        for _ in range(_NUMBER_ATTEMPTS):
            try:
                with transaction.atomic():
                    order = Order.objects.create(number=new_order_number(), **fields)
                break
            except IntegrityError:
                # Another submit with the same token won the race: that is our order.
                existing = _existing(checkout_token)
                if existing is not None:
                    return _twin(existing, request_fingerprint)
                # Otherwise the number collided: draw another.
        if order is None:
            raise CheckoutError(
                "We could not place your order; please try again.", "number_exhausted"
            )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=item.product,
                sku=item.product.sku,
                name=item.product.name,
                unit_price=item.product.price,
                quantity=item.quantity,
                tax_class=item.product.tax_class,
                **line_amounts(line),
            )
            for item, line in zip(items, priced.lines, strict=True)
        )
        if voucher is not None:
            take_usage(voucher, order)
            remove_voucher(cart)  # used: the cart's next order starts without it
        record(
            order,
            OrderEvent.Kind.PLACED,
            f"Order placed: {len(items)} line(s), total {order.total} {order.currency}.",
            actor="customer",
            data={
                "lines": len(items),
                "total": str(order.total),
                **({"request": request_fingerprint} if request_fingerprint else {}),
            },
        )
        # Only what was ordered: an item added from another tab meanwhile stays in the cart.
        CartItem.objects.filter(pk__in=[item.pk for item in items]).delete()
        if start_workflow:
            transaction.on_commit(lambda: start_workflow_for(order, fail_fast=True), robust=True)
    metrics.ORDERS.labels(outcome="placed", reason="").inc()
    return PlaceOrderResult(order, created=True)


def start_workflow_for(order: Order, *, fail_fast: bool = False) -> bool:
    """Start the order's workflow. True when it runs (started now or already before); False
    when Temporal could not be reached (logged; the sweeper tries again). Never raises.
    ``fail_fast``: see ``workflows.client.start_order_workflow`` (used right after checkout)."""
    try:
        started_now = start_order_workflow(order.number, fail_fast=fail_fast)
    except TemporalUnavailable as exc:
        logger.warning(
            "Temporal unavailable, order %s waits for the sweeper: %s", order.number, exc
        )
        return False
    except Exception:
        logger.exception("Could not start the workflow of order %s", order.number)
        return False
    record_workflow_started(order, started_now)
    return True


def record_workflow_started(order: Order, started_now: bool) -> None:
    """Note once on the order that its workflow runs (Temporal is the authority; this is the
    sweeper's and the pages' bookkeeping)."""
    now = timezone.now()
    workflow_id = order.temporal_workflow_id
    with transaction.atomic():
        updated = Order.objects.filter(pk=order.pk, workflow_started_at__isnull=True).update(
            workflow_id=workflow_id, workflow_started_at=now, updated_at=now
        )
        if updated:
            order.workflow_id = workflow_id
            order.workflow_started_at = now
            record(
                order,
                OrderEvent.Kind.WORKFLOW_STARTED,
                "Order workflow started." if started_now else "Order workflow was already running.",
                data={"workflow_id": workflow_id, "started_now": started_now},
            )


def start_pending_orders(limit: int | None = None) -> int:
    """Start the workflow of every open order with no workflow on record, oldest first. Stops
    at the first failure to reach Temporal. Returns how many were started (or found running)."""
    # Not only received orders: one whose start went through while its bookkeeping failed
    # (a cut connection, a start RPC that timed out on our side) runs on; starting it again is
    # rejected as a duplicate and repairs the bookkeeping.
    pending = (
        Order.objects.filter(workflow_started_at__isnull=True)
        .exclude(status__in=FINAL_STATUSES)
        .order_by("created_at", "pk")
    )
    if limit is not None:
        pending = pending[:limit]
    return start_in_turn(pending, start_workflow_for)


def scoped_checkout_token(request: HttpRequest, key: str, prefix: str) -> str:
    """A client's checkout key scoped to the caller (user, else session), so that a double
    submit by the same shopper finds its order and someone replaying another shopper's key
    never does. ``prefix`` keeps the page's and the API's keys apart."""
    if request.user.is_authenticated:
        owner = f"user:{request.user.pk}"
    else:
        if request.session.session_key is None:
            request.session.save()
        owner = f"session:{request.session.session_key}"
    digest = hashlib.sha256(f"{owner}\n{key}".encode()).hexdigest()
    return f"{prefix}-{digest[:60]}"
