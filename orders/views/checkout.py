"""Checkout pages: one server-rendered form, then a confirmation only its session can see."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from cart.services import CartSummary, get_cart, summarize
from orders import selectors
from orders.forms import CheckoutForm, new_checkout_token
from orders.links import signed_order_path
from orders.services.checkout import CheckoutError, place_order, scoped_checkout_token
from orders.services.paying import pay_at_checkout
from orders.status import OrderStatus
from workflows.client import PAYMENT_DECLINED


def _shipping_options(summary: CartSummary, selected: str) -> list[dict]:
    options = []
    for key, method in settings.SHIPPING_METHODS.items():
        price = Decimal(str(method["price"]))
        options.append(
            {
                "key": key,
                "label": method["label"],
                "price": price,
                "total": summary.subtotal + price,
                "selected": key == selected,
            }
        )
    return options


@sensitive_variables()
@sensitive_post_parameters("card_number", "expiry", "cvc")
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    cart = get_cart(request)
    if request.method == "POST":
        form = CheckoutForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = place_order(
                    cart=cart,
                    email=data["email"],
                    shipping_address=form.shipping_address,
                    shipping_method=data["shipping_method"],
                    card=form.card,
                    checkout_token=scoped_checkout_token(
                        request, data["checkout_token"], prefix="web"
                    ),
                    user=user,
                    reviewed_version=data.get("cart_version", ""),
                    start_workflow=False,
                )
            except CheckoutError as exc:
                if exc.code == "empty_cart":
                    messages.error(
                        request, "Your cart is empty: add something before checking out."
                    )
                    return redirect("cart:detail")
                form.add_error(None, exc.message)
            else:
                order = result.order
                selectors.remember_order(request.session, order.number)
                if pay_at_checkout(order).status == PAYMENT_DECLINED:
                    return redirect("orders:pay", number=order.number)
                return redirect("orders:checkout_done", number=order.number)
        summary = summarize(cart)
    else:
        summary = summarize(cart)
        if summary.is_empty:
            messages.info(request, "Your cart is empty: add something before checking out.")
            return redirect("cart:detail")
        initial = {"checkout_token": new_checkout_token(), "shipping_method": "standard"}
        if user is not None:
            initial["email"] = user.email
            default = user.addresses.order_by("-is_default", "-created_at").first()
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
            "shipping_options": options,
            "chosen": chosen,
            "currency": settings.SHOP_CURRENCY,
            "checkout_token": token,
            "cart_version": summary.version,
            "cart_count": summary.item_count,
        },
    )


def checkout_done(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.placed_in_session(request, number)
    if order is None:
        raise Http404("No such order in this session.")
    guest_link = signed_order_path(order.number) if order.user_id is None else ""
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
