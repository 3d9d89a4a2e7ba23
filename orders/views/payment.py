"""An order's pay page: after a declined card, the shopper (the order's owner, or the browser
that placed it or opened its signed link) sees why, with the items and totals, and tries
another card. The workflow holds the stock meanwhile and answers through ``retry_payment``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from orders import selectors
from orders.forms import CardForm
from orders.models import Order
from orders.services.checkout import CheckoutError
from orders.services.limits import check_payment_limits, record_payment_outcome
from orders.services.paying import pay_again
from orders.status import OrderStatus
from shop.middleware import private_no_store
from workflows.client import (
    PAYMENT_AUTHORIZED,
    PAYMENT_DECLINED,
    PaymentRefused,
    TemporalUnavailable,
    WorkflowNotFound,
)

UNREACHABLE = "We could not reach our payment system just now. Please try again in a minute."
NOT_WAITING = "This order is no longer waiting for a payment."
PENDING = (
    "We are still waiting for your card's answer. We will email you, and this page shows the "
    "outcome as soon as we know it."
)


@sensitive_variables()
@sensitive_post_parameters("card_number", "expiry", "cvc")
@require_http_methods(["GET", "POST"])
@private_no_store
def order_pay(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.visible_order(request, number, selectors.order_detail(staff=False))
    if order is None:
        raise Http404("No such order.")
    if selectors.is_staff_view(request.user, order):
        raise PermissionDenied("Only the customer pays for an order.")
    if order.status != OrderStatus.AWAITING_PAYMENT:
        messages.info(request, NOT_WAITING)
        return redirect(order.get_absolute_url())
    form = CardForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            check_payment_limits(request)  # before the card goes anywhere
        except CheckoutError as exc:
            form.add_error(None, exc.message)
            status = 429
        else:
            if form.tokenize():
                answer = _pay(request, order, form)
                if answer is not None:
                    return answer
                if not form.errors:  # declined: a fresh form for another card
                    form = CardForm()
                    order.refresh_from_db(fields=["card_brand", "card_last4"])
    return render(
        request,
        "orders/pay.html",
        {
            "order": order,
            "lines": list(order.lines.all()),
            "decline": selectors.latest_decline(order),
            "form": form,
        },
        status=status,
    )


def _pay(request: HttpRequest, order: Order, form: CardForm) -> HttpResponse | None:
    """Try the tokenized card; the page to go to, or None to show the form again (declined,
    or the error added to ``form``)."""
    try:
        outcome = pay_again(order, form.card)
    except PaymentRefused:
        messages.info(request, NOT_WAITING)
        return redirect(order.get_absolute_url())
    except (TemporalUnavailable, WorkflowNotFound):
        form.add_error(None, UNREACHABLE)
        return None
    record_payment_outcome(request, declined=outcome.status == PAYMENT_DECLINED)
    if outcome.status == PAYMENT_AUTHORIZED:
        selectors.remember_order(request.session, order.number)
        return redirect("orders:checkout_done", number=order.number)
    if outcome.status != PAYMENT_DECLINED:
        messages.info(request, PENDING if outcome.status == "pending" else outcome.message)
        return redirect(order.get_absolute_url())
    return None
