"""``{% order_returns order as info %}``: the order page's returns section (its returns and
whether this visitor may ask for one), without touching the order page's view."""

from __future__ import annotations

from typing import Any

from django import template

from orders.models import Order
from orders.status import OrderStatus
from returns import selectors
from returns.services.requesting import RETURNABLE_STATUSES, can_return

register = template.Library()
# Returns exist only for orders delivered (and maybe refunded since).
AFTER_DELIVERY = frozenset({*RETURNABLE_STATUSES, OrderStatus.REFUNDED})


@register.simple_tag(takes_context=True)
def order_returns(context: Any, order: Order) -> dict[str, Any]:
    if order.status not in AFTER_DELIVERY:  # no return yet, none possible: no query
        return {"returns": [], "can_request": False}
    request = context.get("request")
    may_request = request is not None and selectors.may_request(request, order)
    return {
        "returns": list(selectors.order_returns(order)),
        "can_request": may_request and can_return(order),
    }
