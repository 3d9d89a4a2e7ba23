"""Order business logic, one module per idea:

- ``checkout``: ``place_order``, ``start_workflow_for``, ``start_pending_orders``
- ``fulfilment``: what the workflow's activities call (validate, reserve, charge, ship, email...)
- ``tracking``: cancel, carrier events, mark delivered (pages, admin, API, webhook)

``orders.services.place_order`` etc. resolve lazily to the function in its module.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "place_order": "checkout",
    "PlaceOrderResult": "checkout",
    "CheckoutError": "checkout",
    "start_workflow_for": "checkout",
    "start_pending_orders": "checkout",
    "cancel_order": "tracking",
    "mark_delivered": "tracking",
    "forward_carrier_event": "tracking",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'orders.services' has no attribute {name!r}")
    return getattr(import_module(f"orders.services.{module}"), name)
