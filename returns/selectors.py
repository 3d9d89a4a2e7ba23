"""The read side of returns: who may see or ask for returns of an order, the returns of an
order, and a return's live progress.

Asking for a return: the order's owner (logged in), the browser that placed it, or a browser
that opened the order's signed link (a link grants returns too: guests have nothing else).
Seeing returns: whoever may see the order (``orders.selectors.may_see``: order staff too).
Everyone else gets a 404.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import Prefetch, QuerySet

from orders import selectors as order_selectors
from orders.models import Order
from returns.models import ReturnLine, ReturnRequest
from workflows.client import ReturnProgress, query_return_progress

logger = logging.getLogger(__name__)


def may_request(request: Any, order: Order) -> bool:
    user = request.user
    if user.is_authenticated and order.user_id == user.pk:
        return True
    session = request.session
    if order.number in order_selectors.session_order_numbers(session):
        return True
    if order_selectors.open_signed_link(request, order):
        return True
    return order_selectors.linked_orders(session).get(order.number) == order.link_version


def visible_order(request: Any, number: str) -> Order | None:
    """The order if this request may see it on the pages (owner, session, link, staff)."""
    return order_selectors.visible_order(request, number)


def requestable_order(request: Any, number: str) -> Order | None:
    """The order if this request may ask for a return of it (not staff for someone else)."""
    order = order_selectors.visible_order(request, number)
    if order is None or not may_request(request, order):
        return None
    return order


def api_order(request: Any, number: str) -> Order | None:
    """The API's rule: the caller's own order (account or the session's guest orders) or one
    this session opened by its signed link. Not staff for others' orders."""
    if "\x00" in number:
        return None
    order = order_selectors.api_orders(request).filter(number=number).first()
    if order is not None:
        return order
    order = Order.objects.filter(number=number).first()
    if order is None:
        return None
    linked = order_selectors.linked_orders(request.session).get(number)
    return order if linked == order.link_version else None


def _lines() -> Prefetch:
    return Prefetch(
        "lines", queryset=ReturnLine.objects.select_related("order_line").order_by("pk")
    )


def order_returns(order: Order) -> QuerySet[ReturnRequest]:
    return ReturnRequest.objects.filter(order=order).prefetch_related(_lines()).order_by("seq")


def return_of(order: Order, number: str) -> ReturnRequest | None:
    return order_returns(order).filter(number=number).first()


def live_progress(ret: ReturnRequest) -> ReturnProgress | None:
    """The workflow's progress, or None (no workflow yet, finished, or Temporal can't say)."""
    if ret.workflow_started_at is None or ret.is_final:
        return None
    try:
        return query_return_progress(ret.order.number, ret.seq)
    except Exception as exc:  # unreachable, not found, no worker: the page still works
        logger.info("No live progress for return %s: %s", ret.number, exc)
        return None
