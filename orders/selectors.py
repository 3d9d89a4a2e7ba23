"""The read side of orders: who may see which order, and the querysets the pages and the API
read them with.

Who may see an order:
- its owner, logged in;
- staff with the admin's view (or change) permission on orders (pages only: the API shows a
  caller their own orders);
- the browser that placed it (numbers kept in the session, newest last, capped);
- the browser that opened its signed link (``?t=`` from the confirmation email, see
  ``orders.links``): kept apart in the session with the link's version, so revoking the
  order's links (staff) ends that access too. A link grants viewing only: cancelling needs the
  owner, order staff or the browser that placed the order (``may_act``).

Everyone else gets a 404, never a 403 that would reveal that the order exists.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum

from orders.links import token_grants
from orders.models import Order, OrderEvent, OrderLine, Payment
from workflows.client import Progress, query_progress

logger = logging.getLogger(__name__)

SESSION_ORDERS = "orders.visible"
SESSION_LINKED = "orders.linked"
# Sessions written before the single key existed: still honoured when read, never written.
# ("orders.granted" held signed-link grants: they carry no link version, so they are dropped.)
_LEGACY_SESSION_KEYS = ("placed_orders",)
MAX_SESSION_ORDERS = 50
_LIST_FIELDS = ("number", "status", "total", "currency", "created_at")


# --- The session's orders ----------------------------------------------------------------------


def session_order_numbers(session: Any) -> list[str]:
    """Order numbers this browser placed, oldest first."""
    numbers: list[str] = []
    for key in (*_LEGACY_SESSION_KEYS, SESSION_ORDERS):
        value = session.get(key, [])
        if isinstance(value, list):
            numbers.extend(str(n) for n in value if str(n) not in numbers)
    return numbers


def remember_order(session: Any, number: str) -> None:
    """Let this browser open ``number`` again (the pages, the live fragment, cancel, the API)."""
    kept = [n for n in session_order_numbers(session) if n != number]
    session[SESSION_ORDERS] = [*kept, number][-MAX_SESSION_ORDERS:]
    for key in (*_LEGACY_SESSION_KEYS, "orders.granted"):
        session.pop(key, None)


def linked_orders(session: Any) -> dict[str, int]:
    """Order number -> link version, for the orders this browser opened by a signed link."""
    value = session.get(SESSION_LINKED, {})
    return value if isinstance(value, dict) else {}


def remember_link(session: Any, order: Order) -> None:
    """Let this browser view ``order`` while the order's links are not revoked."""
    kept = {n: v for n, v in linked_orders(session).items() if n != order.number}
    kept[order.number] = order.link_version
    session[SESSION_LINKED] = dict(list(kept.items())[-MAX_SESSION_ORDERS:])


def open_signed_link(request: Any, order: Order) -> bool:
    """The request's ``?t=`` opens ``order``: remembered in the session (view only)."""
    token = request.GET.get("t", "")
    if token and token_grants(token, order.number, order.link_version):
        remember_link(request.session, order)
        return True
    return False


# --- Who may see what --------------------------------------------------------------------------


def is_order_staff(user: Any) -> bool:
    """Staff who may look at anyone's order: the admin's view (or change) permission on orders,
    not merely ``is_staff`` (a catalog editor doesn't get to read customers' orders)."""
    return bool(
        user.is_authenticated
        and user.is_staff
        and (user.has_perm("orders.view_order") or user.has_perm("orders.change_order"))
    )


def is_staff_view(user: Any, order: Order) -> bool:
    """Staff looking at someone else's order (their own orders they see as a shopper)."""
    return is_order_staff(user) and order.user_id != user.pk


def may_act(request: Any, order: Order) -> bool:
    """Who may change an order (cancel, pay): its owner, order staff (their permission is
    checked by the view), the browser that placed it. Not a signed link's viewer."""
    user = request.user
    if user.is_authenticated and order.user_id == user.pk:
        return True
    if is_order_staff(user):
        return True
    return order.number in session_order_numbers(request.session)


def may_see(request: Any, order: Order) -> bool:
    """The page rule: who may act, and browsers holding a valid signed link (``?t=``, then
    remembered in the session so the live fragment works without it)."""
    if may_act(request, order):
        return True
    if open_signed_link(request, order):
        return True
    return linked_orders(request.session).get(order.number) == order.link_version


def visible_order(request: Any, number: str, queryset: QuerySet[Order] | None = None):
    """The order ``number`` if this request may see it on the pages, else None."""
    if "\x00" in number:  # PostgreSQL can't even compare it; no order number has one
        return None
    queryset = Order.objects.all() if queryset is None else queryset
    order = queryset.filter(number=number).first()
    if order is None or not may_see(request, order):
        return None
    return order


def placed_in_session(request: Any, number: str) -> Order | None:
    """The confirmation page's order: only a browser that placed it."""
    if number not in session_order_numbers(request.session):
        return None
    return Order.objects.filter(number=number).prefetch_related(_lines()).first()


def api_orders(request: Any) -> QuerySet[Order]:
    """The API's rule: an account's own orders, or the anonymous session's guest orders."""
    if request.user.is_authenticated:
        return Order.objects.filter(user=request.user)
    numbers = session_order_numbers(request.session)
    if numbers:
        return Order.objects.filter(number__in=numbers, user__isnull=True)
    return Order.objects.none()


# --- Querysets ---------------------------------------------------------------------------------


def _lines() -> Prefetch:
    return Prefetch("lines", queryset=OrderLine.objects.order_by("pk"))


def _events(*, staff: bool) -> Prefetch:
    events = OrderEvent.objects.order_by("created_at", "pk")
    if not staff:  # staff notes stay in the admin
        events = events.exclude(kind=OrderEvent.Kind.STAFF_ACTION)
    return Prefetch("events", queryset=events)


def order_list(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Newest first, with the number of units (as the cart counts them)."""
    return (
        orders.annotate(item_count=Sum("lines__quantity"))
        .order_by("-created_at", "-pk")
        .only(*_LIST_FIELDS)
    )


def user_orders(user: Any) -> QuerySet[Order]:
    return order_list(Order.objects.filter(user=user))


def order_detail(
    orders: QuerySet[Order] | None = None, *, staff: bool = False, payments: bool = True
) -> QuerySet[Order]:
    """Everything an order's page (or the API's detail, without ``payments``) shows, in a fixed
    number of queries."""
    orders = Order.objects.all() if orders is None else orders
    related = [_lines(), _events(staff=staff)]
    if payments:
        related.append(Prefetch("payments", queryset=Payment.objects.order_by("pk")))
    return orders.select_related("shipment").prefetch_related(*related)


def order_status(*, staff: bool = False) -> QuerySet[Order]:
    """What the live status fragment shows: the order, its events, payments and shipment."""
    return Order.objects.select_related("shipment").prefetch_related(
        _events(staff=staff), Prefetch("payments", queryset=Payment.objects.order_by("pk"))
    )


# --- Live state --------------------------------------------------------------------------------


def live_progress(order: Order) -> Progress | None:
    """The workflow's progress, or None when there is no workflow or Temporal can't answer."""
    if order.workflow_started_at is None or not order.is_in_progress:
        return None
    try:
        return query_progress(order.number)
    except Exception as exc:  # unreachable, not found, no worker: the page still works
        logger.info("No live progress for order %s: %s", order.number, exc)
        return None


def latest_decline(order: Order) -> Payment | None:
    """The order's last card attempt if it was declined (the pay page says why)."""
    last = order.payments.filter(kind=Payment.Kind.AUTHORIZATION).order_by("-pk").first()
    return last if last is not None and last.status == Payment.Status.FAILED else None
