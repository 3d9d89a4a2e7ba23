"""Checkout pages: one server-rendered form, then a confirmation only its session can see."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from cart.services import CartSummary, get_cart, summarize
from orders import selectors
from orders.forms import CheckoutForm, new_checkout_token
from orders.links import signed_order_path
from orders.services.checkout import CheckoutError, place_order, precheck, scoped_checkout_token
from orders.services.limits import (
    CARD_REFUSED,
    check_payment_limits,
    count_guest_order,
    record_payment_outcome,
)
from orders.services.paying import pay_at_checkout
from orders.status import OrderStatus
from shop.middleware import private_no_store
from workflows.client import PAYMENT_DECLINED


def _shipping_options(summary: CartSummary, selected: str) -> list[dict]:
    """Each method with the order's total by it (the voucher's discount and free shipping,
    VAT of the review's country): no query."""
    options = []
    for key, method in settings.SHIPPING_METHODS.items():
        price = Decimal(str(method["price"]))
        priced = summary.with_shipping(price)
        options.append(
            {
                "key": key,
                "label": method["label"],
                "price": priced.shipping if priced.shipping is not None else price,
                "total": priced.total if priced.quote else summary.subtotal + price,
                "selected": key == selected,
                "summary": priced,
            }
        )
    return options


def _review_country_of(address: Any) -> str | None:
    return address.country if address is not None else None


def _review_country(form: CheckoutForm, default_address: Any = None) -> str | None:
    """The country the review's VAT is for: the chosen saved address's, the typed one, or
    the default address's; None (the shop's default country) when none is known yet."""
    cleaned = getattr(form, "cleaned_data", None) or {}
    saved = cleaned.get("saved_address") or default_address
    if saved is not None:
        return saved.country
    typed = str(form["country"].value() or "").strip()
    return typed.upper() if len(typed) == 2 else None


@sensitive_variables()
@sensitive_post_parameters("card_number", "expiry", "cvc")
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    cart = get_cart(request)
    status = 200
    if request.method == "POST":
        form = CheckoutForm(request.POST, user=user)
        if form.is_valid():
            try:
                return _place(request, form, cart, user)
            except CheckoutError as exc:
                if exc.code == "empty_cart":
                    messages.error(
                        request, _("Your cart is empty: add something before checking out.")
                    )
                    return redirect("cart:detail")
                if exc.code != "card_invalid":  # the card's reason is on its field
                    form.add_error(None, exc.message)
                status = 429 if exc.code == "rate_limited" else 200
        summary = summarize(cart, country=_review_country(form), user=user)
    else:
        default = None
        if user is not None:
            default = user.addresses.order_by("-is_default", "-created_at").first()
        summary = summarize(cart, country=_review_country_of(default), user=user)
        if summary.is_empty:
            messages.info(request, _("Your cart is empty: add something before checking out."))
            return redirect("cart:detail")
        initial = {"checkout_token": new_checkout_token(), "shipping_method": "standard"}
        if user is not None:
            initial["email"] = user.email
            if default is not None:
                initial["saved_address"] = default.pk
        form = CheckoutForm(initial=initial, user=user)

    token = form["checkout_token"].value() or ""
    if "checkout_token" in form.errors or not token:
        token = new_checkout_token()
    selected = form["shipping_method"].value() or "standard"
    options = _shipping_options(summary, selected)
    chosen = next((o for o in options if o["selected"]), options[0])
    return render(
        request,
        "orders/checkout.html",
        {
            "form": form,
            "summary": summary,
            "review": chosen["summary"],
            "shipping_options": options,
            "chosen": chosen,
            "currency": settings.SHOP_CURRENCY,
            "checkout_token": token,
            "cart_version": summary.version,
            "cart_count": summary.item_count,
            # The test cards' hint, in development only (the fake gateway knows only them).
            "show_test_cards": settings.DEBUG,
        },
        status=status,
    )


def _place(request: HttpRequest, form: CheckoutForm, cart: Any, user: Any) -> HttpResponse:
    """The valid form's order: the cart and the limits are checked before the card goes to the
    gateway (tokenized last), then the order is placed and paid. Raises ``CheckoutError``."""
    data = form.cleaned_data
    checkout_token = scoped_checkout_token(request, data["checkout_token"], prefix="web")
    reviewed = data.get("cart_version", "")
    twin = precheck(cart, checkout_token, reviewed)
    if twin is None:
        check_payment_limits(request, data["email"], user)
        if not form.tokenize():
            raise CheckoutError(CARD_REFUSED, "card_invalid")
    result = place_order(
        cart=cart,
        email=data["email"],
        shipping_address=form.shipping_address,
        shipping_method=data["shipping_method"],
        card=form.card,
        checkout_token=checkout_token,
        user=user,
        reviewed_version=reviewed,
        start_workflow=False,
    )
    order = result.order
    selectors.remember_order(request.session, order.number)
    if result.created:
        count_guest_order(data["email"], user)
    outcome = pay_at_checkout(order)
    record_payment_outcome(request, declined=outcome.status == PAYMENT_DECLINED)
    if outcome.status == PAYMENT_DECLINED:
        return redirect("orders:pay", number=order.number)
    return redirect("orders:checkout_done", number=order.number)


@private_no_store
def checkout_done(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.placed_in_session(request, number)
    if order is None:
        raise Http404("No such order in this session.")
    guest_link = (
        signed_order_path(order.number, order.link_version) if order.user_id is None else ""
    )
    return render(
        request,
        "orders/confirmation.html",
        {"order": order, "guest_link": guest_link, "payment_state": _payment_state(order.status)},
    )


def _payment_state(status: str) -> str:
    """What the confirmation page can say of the payment: never "paid" before it is."""
    if status == OrderStatus.AWAITING_PAYMENT:
        return "declined"
    if status in (OrderStatus.FAILED, OrderStatus.CANCELLED):
        return "failed"
    if status in (OrderStatus.RECEIVED, OrderStatus.VALIDATED, OrderStatus.RESERVED):
        return "pending"
    return "authorized"
