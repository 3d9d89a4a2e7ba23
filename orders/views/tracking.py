"""Order tracking pages: the shopper's order list, an order's page, its live status fragment
and the cancel button. Who may see which order is decided in ``orders.selectors``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from orders import selectors
from orders.models import Order
from orders.services.tracking import cancel_order
from shop.middleware import private_no_store

ORDERS_PER_PAGE = 10
LINK_CANNOT_CANCEL = (
    "To cancel, use the browser you ordered with, or log in to the account you ordered with."
)
POLL_INTERVAL_MS = 2000


def _order_or_404(request: HttpRequest, number: str, queryset: QuerySet[Order]) -> Order:
    order = selectors.visible_order(request, number, queryset)
    if order is None:
        raise Http404("No such order.")
    return order


def _status_context(request: HttpRequest, order: Order) -> dict:
    user = request.user
    staff_view = selectors.is_staff_view(user, order)
    return {
        "order": order,
        "events": list(order.events.all()),
        "payments": list(order.payments.all()),
        "shipment": getattr(order, "shipment", None),
        "is_final": not order.is_in_progress,
        # View-only staff get no button that would only answer 403.
        "can_cancel": order.is_cancellable
        and (not staff_view or user.has_perm("orders.change_order"))
        and selectors.may_act(request, order),
        "is_staff_view": staff_view,
    }


@login_required
@require_GET
@private_no_store
def order_list(request: HttpRequest) -> HttpResponse:
    orders = selectors.user_orders(request.user)
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "orders/order_list.html", {"page_obj": page, "orders": page.object_list})


@require_GET
@private_no_store
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    queryset = selectors.order_detail(staff=selectors.is_order_staff(request.user))
    order = _order_or_404(request, number, queryset)
    if "t" in request.GET:  # a signed link, now remembered: drop it from the address bar
        return redirect(order.get_absolute_url())
    context = _status_context(request, order)
    context.update(
        {
            "lines": list(order.lines.all()),
            "poll_interval_ms": POLL_INTERVAL_MS,
        }
    )
    return render(request, "orders/order_detail.html", context)


@require_GET
@private_no_store
def order_status_fragment(request: HttpRequest, number: str) -> HttpResponse:
    queryset = selectors.order_status(staff=selectors.is_order_staff(request.user))
    order = _order_or_404(request, number, queryset)
    return render(request, "orders/_order_status.html", _status_context(request, order))


@require_POST
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(request, number, Order.objects.all())
    if not selectors.may_act(request, order):  # a signed link shows the order, no more
        messages.error(request, LINK_CANNOT_CANCEL)
        return redirect(order.get_absolute_url())
    user = request.user
    actor = user.email if user.is_authenticated else "customer"
    staff = selectors.is_staff_view(user, order)
    if staff and not user.has_perm("orders.change_order"):
        raise PermissionDenied("Cancelling customers' orders needs the change permission.")
    default_reason = "Cancelled by staff" if staff else ""
    reason = request.POST.get("reason", "")[:500] or default_reason
    outcome = cancel_order(order, actor=actor, reason=reason, staff=staff)
    if outcome.ok:
        messages.success(request, outcome.message)
    else:
        messages.error(request, outcome.message)
    return redirect(order.get_absolute_url())
