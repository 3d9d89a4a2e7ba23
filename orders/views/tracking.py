"""Order tracking pages: the shopper's order list, an order's page, its live status fragment
and the cancel button.

Who may see an order: its owner (logged in), staff, the session that placed it, or anyone
holding the signed link from the confirmation email (``?t=``; remembered in the session so the
fragment and cancel work too).
Everyone else gets a 404, never a 403 that would reveal that the order exists.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from orders.links import token_grants
from orders.models import Order, OrderEvent, OrderLine, Payment
from orders.services.tracking import STAFF_ACTION, cancel_order
from orders.views.checkout import SESSION_PLACED_ORDERS

ORDERS_PER_PAGE = 10
SESSION_KEY = "orders.granted"
MAX_GRANTS_IN_SESSION = 50
POLL_INTERVAL_MS = 2000


def _granted_in_session(request: HttpRequest, *, placed: bool = False) -> list[str]:
    value = request.session.get(SESSION_KEY, [])
    granted = value if isinstance(value, list) else []
    if placed:  # orders this session placed at checkout count too (as in the API)
        value = request.session.get(SESSION_PLACED_ORDERS, [])
        granted = granted + (value if isinstance(value, list) else [])
    return granted


def _grant(request: HttpRequest, number: str) -> None:
    granted = [n for n in _granted_in_session(request) if n != number]
    granted.append(number)
    request.session[SESSION_KEY] = granted[-MAX_GRANTS_IN_SESSION:]


def _is_order_staff(user) -> bool:
    """Staff who may look at anyone's order: the admin's view (or change) permission on orders,
    not merely ``is_staff`` (a catalog editor doesn't get to read customers' orders)."""
    return bool(
        user.is_authenticated
        and user.is_staff
        and (user.has_perm("orders.view_order") or user.has_perm("orders.change_order"))
    )


def _may_see(request: HttpRequest, order: Order) -> bool:
    user = request.user
    if user.is_authenticated and order.user_id == user.pk:
        return True
    if _is_order_staff(user):
        return True
    token = request.GET.get("t", "")
    if token and token_grants(token, order.number):
        _grant(request, order.number)
        return True
    return order.number in _granted_in_session(request, placed=True)


def _order_or_404(request: HttpRequest, number: str, queryset: QuerySet[Order]) -> Order:
    if "\x00" in number:  # PostgreSQL can't even compare it; no order number has one
        raise Http404("No such order.")
    order = queryset.filter(number=number).first()
    if order is None or not _may_see(request, order):
        raise Http404("No such order.")
    return order


def _events() -> Prefetch:
    return Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "pk"))


def _status_context(request: HttpRequest, order: Order) -> dict:
    user = request.user
    staff = _is_order_staff(user)
    events = [e for e in order.events.all() if staff or e.kind != STAFF_ACTION]
    staff_view = staff and order.user_id != user.pk
    return {
        "order": order,
        "events": events,
        "is_final": not order.is_in_progress,
        # View-only staff get no button that would only answer 403.
        "can_cancel": order.is_cancellable
        and (not staff_view or user.has_perm("orders.change_order")),
        "is_staff_view": staff_view,
    }


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    orders = (
        Order.objects.filter(user=request.user)
        .annotate(item_count=Sum("lines__quantity"))  # units, as in the cart and the API
        .order_by("-created_at", "-pk")
        .only("number", "status", "total", "currency", "created_at")
    )
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "orders/order_list.html", {"page_obj": page, "orders": page.object_list})


@require_GET
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    queryset = Order.objects.select_related("shipment").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
        Prefetch("payments", queryset=Payment.objects.order_by("pk")),
        _events(),
    )
    order = _order_or_404(request, number, queryset)
    context = _status_context(request, order)
    context.update(
        {
            "lines": list(order.lines.all()),
            "payments": list(order.payments.all()),
            "shipment": getattr(order, "shipment", None),
            "poll_interval_ms": POLL_INTERVAL_MS,
        }
    )
    return render(request, "orders/order_detail.html", context)


@require_GET
def order_status_fragment(request: HttpRequest, number: str) -> HttpResponse:
    queryset = Order.objects.prefetch_related(_events())
    order = _order_or_404(request, number, queryset)
    response = render(request, "orders/_order_status.html", _status_context(request, order))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(request, number, Order.objects.all())
    user = request.user
    actor = user.email if user.is_authenticated else "customer"
    staff = _is_order_staff(user) and order.user_id != user.pk
    if staff and not user.has_perm("orders.change_order"):
        raise PermissionDenied("Cancelling customers' orders needs the change permission.")
    default_reason = "Cancelled by staff" if staff else "Cancelled by the customer"
    reason = request.POST.get("reason", "")[:500] or default_reason
    outcome = cancel_order(order, actor=actor, reason=reason, staff=staff)
    if outcome.ok:
        messages.success(request, outcome.message)
    else:
        messages.error(request, outcome.message)
    return redirect(order.get_absolute_url())
