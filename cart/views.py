"""Cart pages: thin views over ``cart.services``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cart import services
from cart.services import CartError


def _safe_redirect(request: HttpRequest, *candidates: str | None) -> HttpResponseRedirect:
    for url in candidates:
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return HttpResponseRedirect(url)
    return HttpResponseRedirect(reverse("cart:detail"))


@require_GET
def cart_detail(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    summary = services.summarize(services.get_cart(request), user=user)
    # cart_count overrides the context processor's query: the summary already knows it.
    return render(
        request, "cart/detail.html", {"summary": summary, "cart_count": summary.item_count}
    )


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    back = request.POST.get("next") or request.headers.get("referer")
    try:
        cart = services.get_cart(request, create=True)
        item = services.add_item(
            cart, request.POST.get("product_id"), request.POST.get("quantity", "1")
        )
    except CartError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Added %(name)s to your cart (now %(count)d in it).")
            % {"name": item.product.name, "count": item.quantity},
        )
    return _safe_redirect(request, back)


@require_POST
def cart_update(request: HttpRequest) -> HttpResponse:
    cart = services.get_cart(request)
    try:
        if cart is None:
            raise CartError("That product is not in your cart.", "not_in_cart")
        item = services.set_quantity(
            cart, request.POST.get("product_id"), request.POST.get("quantity")
        )
    except CartError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Updated %(name)s: %(count)d in your cart.")
            % {"name": item.product.name, "count": item.quantity},
        )
    return HttpResponseRedirect(reverse("cart:detail"))


@require_POST
def cart_remove(request: HttpRequest) -> HttpResponse:
    cart = services.get_cart(request)
    try:
        if cart is None:
            raise CartError("That product is not in your cart.", "not_in_cart")
        services.remove_item(cart, request.POST.get("product_id"))
    except CartError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Removed the item from your cart."))
    return HttpResponseRedirect(reverse("cart:detail"))


@require_POST
def cart_voucher(request: HttpRequest) -> HttpResponse:
    """Apply the posted voucher code to the cart, or remove it (``action=remove``); back to
    the cart, or to the checkout when the form was there (``next``)."""
    cart = services.get_cart(request)
    back = request.POST.get("next")
    if request.POST.get("action") == "remove":
        services.remove_voucher(cart)
        messages.success(request, _("The voucher was removed."))
        return _safe_redirect(request, back)
    try:
        if cart is None:
            raise CartError(_("Your cart is empty."), "empty_cart")
        user = request.user if request.user.is_authenticated else None
        discount = services.apply_voucher(cart, request.POST.get("code"), user=user)
    except CartError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The voucher %(code)s was applied.") % {"code": discount.code})
    return _safe_redirect(request, back)
