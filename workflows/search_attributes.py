"""The order workflow's search attributes: find orders in Temporal by customer and status.

``CustomerId`` (the user's id, never an email; empty for guests), ``OrderStatus`` (upserted at
each status change, equal to the database's), ``OrderTotal`` and ``OrderNumber``. The server
must know them: ``runworker`` registers them (``register``), the dev servers are started with
them (``DEV_SERVER_ARGS``). An input with ``search_attributes`` off (servers that can't have
them, histories recorded before the patch) upserts nothing.

Django-free: the workflow sandbox imports the keys.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey

SEARCH_ATTRIBUTES_PATCH = "search-attributes"

CUSTOMER_ID = SearchAttributeKey.for_keyword("CustomerId")
ORDER_STATUS = SearchAttributeKey.for_keyword("OrderStatus")
ORDER_TOTAL = SearchAttributeKey.for_float("OrderTotal")
ORDER_NUMBER = SearchAttributeKey.for_keyword("OrderNumber")
ALL_KEYS: tuple[SearchAttributeKey, ...] = (CUSTOMER_ID, ORDER_STATUS, ORDER_TOTAL, ORDER_NUMBER)

_CLI_TYPES = {
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
}
# ``temporal server start-dev`` arguments registering them.
DEV_SERVER_ARGS: list[str] = [
    arg
    for key in ALL_KEYS
    for arg in ("--search-attribute", f"{key.name}={_CLI_TYPES[key.indexed_value_type]}")
]


def initial(order_number: str, status: str) -> list:
    """The upserts at the workflow's start (the customer and total follow validation)."""
    return [ORDER_NUMBER.value_set(order_number), ORDER_STATUS.value_set(status)]


def customer_query(customer_id: int | str) -> str:
    """A visibility query listing a customer's order workflows (Temporal UI, CLI)."""
    return f"CustomerId = '{int(customer_id)}'"


class SearchAttributes:
    """A mixin of ``OrderWorkflow``: ``_status`` is upserted as ``OrderStatus`` whenever it
    changes, once ``_search_attributes`` is on (set by ``run`` under the patch)."""

    _search_attributes = False

    @property
    def _status(self) -> str:
        return self._status_value

    @_status.setter
    def _status(self, value: str) -> None:
        changed = value != getattr(self, "_status_value", None)
        self._status_value = value
        if changed and self._search_attributes:
            workflow.upsert_search_attributes([ORDER_STATUS.value_set(value)])

    def _upsert_customer(self, validation: Any) -> None:
        """``CustomerId`` and ``OrderTotal`` from ``validate_order``'s ``ValidationResult``."""
        if not self._search_attributes:
            return
        updates = []
        if validation.customer_id:
            updates.append(CUSTOMER_ID.value_set(validation.customer_id))
        if validation.order_total is not None:
            updates.append(ORDER_TOTAL.value_set(validation.order_total))
        if updates:
            workflow.upsert_search_attributes(updates)
