"""The customer's return pages: "Return items" (quantities per line + reason) and a return's
page, whose live part is refreshed from its fragment by ``static/js/order-status.js`` (the
order page's pattern). Who may see or ask: ``returns.selectors``; others get a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from orders.models import Order
from returns import selectors
from returns.errors import ReturnRefused
from returns.forms import ReturnForm
from returns.models import ReturnRequest
from returns.services.requesting import refusal, request_return, returnable_lines, window_ends
from shop.middleware import private_no_store

POLL_INTERVAL_MS = 2000


def _actor(request: HttpRequest) -> str:
    return request.user.email if request.user.is_authenticated else "customer"


@require_http_methods(["GET", "POST"])
@private_no_store
def return_new(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.requestable_order(request, number)
    if order is None:
        raise Http404("No such order.")
    if "t" in request.GET:  # a signed link, now remembered: drop it from the address bar
        return redirect(reverse("returns:new", kwargs={"number": order.number}))
    refused = refusal(order)
    items = returnable_lines(order)
    form = ReturnForm(items, request.POST or None)
    error = refused.message if refused else ""
    if request.method == "POST" and refused is None and form.is_valid():
        try:
            ret = request_return(
                order.number, form.quantities(), form.cleaned_data["reason"], actor=_actor(request)
            )
        except ReturnRefused as exc:
            error = exc.message
        else:
            messages.success(
                request, _("Your return %(number)s is registered.") % {"number": ret.number}
            )
            return redirect(_return_url(order, ret))
    context = {
        "order": order,
        "form": form,
        "error": error,
        "refused": refused is not None,
        "window_ends": window_ends(order),
    }
    status = 400 if request.method == "POST" else 200  # a POST that got here was refused
    return render(request, "returns/return_new.html", context, status=status)


def _return_url(order: Order, ret: ReturnRequest) -> str:
    return reverse("returns:detail", kwargs={"number": order.number, "return_number": ret.number})


def _return_or_404(request: HttpRequest, number: str, return_number: str) -> ReturnRequest:
    order = selectors.visible_order(request, number)
    ret = selectors.return_of(order, return_number) if order is not None else None
    if ret is None:
        raise Http404("No such return.")
    return ret


def _status_context(ret: ReturnRequest) -> dict:
    return {
        "order": ret.order,
        "ret": ret,
        "lines": list(ret.lines.all()),
        "is_final": ret.is_final,
    }


@require_GET
@private_no_store
def return_detail(request: HttpRequest, number: str, return_number: str) -> HttpResponse:
    ret = _return_or_404(request, number, return_number)
    context = _status_context(ret)
    context["poll_interval_ms"] = POLL_INTERVAL_MS
    return render(request, "returns/return_detail.html", context)


@require_GET
@private_no_store
def return_status_fragment(request: HttpRequest, number: str, return_number: str) -> HttpResponse:
    ret = _return_or_404(request, number, return_number)
    return render(request, "returns/_return_status.html", _status_context(ret))
