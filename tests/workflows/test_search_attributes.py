"""Search attributes of ``OrderWorkflow`` on the dev server: found by customer and status, and
``OrderStatus`` follows the database's status move by move."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.db import close_old_connections
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.converter import PayloadConverter
from temporalio.worker import Replayer

from orders.models import Order, OrderEvent
from tests.factories import StaffFactory, UserFactory
from tests.workflows.helpers import DECLINED, make_order, start, wait_for
from workflows import client as temporal_client
from workflows.search_attributes import CUSTOMER_ID, ORDER_NUMBER, ORDER_STATUS, ORDER_TOTAL
from workflows.types import CarrierEvent, OrderResult, workflow_id_for
from workflows.worker import WORKFLOWS
from workflows.workflow import OrderWorkflow

WAITING = "awaiting_delivery"
HISTORIES = Path(__file__).parent / "histories"

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]


def listed(background_loop, client: Any, query: str) -> list[str]:
    async def _list() -> list[str]:
        return [wf.id async for wf in client.list_workflows(query)]

    return background_loop.run(_list(), timeout=10)


def upserted_statuses(background_loop, handle: Any) -> list[str]:
    """Every ``OrderStatus`` the workflow upserted, in order, from its history."""

    async def _history() -> list[str]:
        values = []
        async for event in handle.fetch_history_events():
            if event.event_type != EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
                continue
            fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes
            payload = fields.indexed_fields.get("OrderStatus")
            if payload is not None:
                values.append(PayloadConverter.default.from_payload(payload, str))
        return values

    return background_loop.run(_history(), timeout=10)


def database_statuses(order: Order) -> list[str]:
    """The order's status moves as the database recorded them (received first)."""
    close_old_connections()
    moves = OrderEvent.objects.filter(order=order).exclude(to_status="").order_by("pk")
    statuses = ["received"]
    for status in moves.values_list("to_status", flat=True):
        if status != statuses[-1]:  # events that keep the status (captured, emailed) aside
            statuses.append(status)
    return statuses


def test_an_order_is_found_by_customer_and_status_which_follows_the_database(
    order_worker, background_loop, settings
):
    # Given a customer's order of 2 x 19.99 + 4.90 shipping, run by the worker to delivery
    customer = UserFactory()
    order = make_order(quantity=2, stock=5)
    Order.objects.filter(pk=order.pk).update(user=customer)
    handle = background_loop.run(
        start(order_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10
    )
    wait_for(
        lambda: temporal_client.query_progress(order.number).current_step == "awaiting_delivery"
    )

    # When the shop's visibility is asked by customer and by status while it waits for delivery
    by_customer = wait_for(
        lambda: listed(background_loop, order_worker.client, f"CustomerId = '{customer.pk}'")
    )
    shipped = wait_for(
        lambda: listed(
            background_loop,
            order_worker.client,
            f"CustomerId = '{customer.pk}' AND OrderStatus = 'shipped'",
        )
    )

    # Then both find this order's workflow, and only it
    assert by_customer == shipped == [workflow_id_for(order.number)]

    # And once delivered, every status the database went through was upserted in turn
    async def deliver() -> OrderResult:
        await handle.signal(OrderWorkflow.carrier_event, CarrierEvent("delivered", "", "d1"))
        return await handle.result()

    assert background_loop.run(deliver(), timeout=30).status == "completed"
    assert upserted_statuses(background_loop, handle) == database_statuses(order)
    assert database_statuses(order) == [
        "received",
        "validated",
        "reserved",
        "authorized",
        "shipped",
        "delivered",
        "completed",
    ]
    attributes = background_loop.run(handle.describe(), timeout=10).typed_search_attributes
    assert (
        attributes.get(CUSTOMER_ID),
        attributes.get(ORDER_STATUS),
        attributes.get(ORDER_TOTAL),
        attributes.get(ORDER_NUMBER),
    ) == (str(customer.pk), "completed", 44.88, order.number)
    # And the new path replays (RECORD_HISTORIES=1 keeps it beside the older histories)
    history = background_loop.run(handle.fetch_history(), timeout=10)
    replay = Replayer(workflows=WORKFLOWS).replay_workflow(history)
    assert background_loop.run(replay, timeout=30).replay_failure is None
    if os.environ.get("RECORD_HISTORIES"):
        (HISTORIES / "search_attributes.json").write_text(history.to_json())


def test_a_declined_order_shows_awaiting_payment_then_cancelled(
    order_worker, background_loop, settings
):
    # Given a guest order whose card is declined, left to wait for another card
    settings.PAYMENT_RETRY_MINUTES = 0.02  # 1.2 s
    order = make_order(token=DECLINED, quantity=1, stock=5)
    handle = background_loop.run(
        start(order_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10
    )

    # When no card comes in time
    result = background_loop.run(handle.result(), timeout=30)

    # Then OrderStatus went through awaiting_payment to cancelled, as the database did
    assert result.status == "cancelled"
    statuses = upserted_statuses(background_loop, handle)
    assert statuses == database_statuses(order)
    assert statuses[-2:] == ["awaiting_payment", "cancelled"]
    # And a guest has no CustomerId
    attributes = background_loop.run(handle.describe(), timeout=10).typed_search_attributes
    assert attributes.get(CUSTOMER_ID) is None


def test_admin_order_page_links_to_the_customers_workflows(client, settings):
    # Given a customer's order and the Temporal UI's address
    settings.TEMPORAL_UI_URL = "http://temporal-ui.example:8233/"
    customer = UserFactory()
    order = make_order(quantity=1)
    Order.objects.filter(pk=order.pk).update(user=customer)
    client.force_login(StaffFactory())

    # When staff open the order in the admin
    html = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()

    # Then a link lists this customer's workflows by the CustomerId search attribute
    query = f"CustomerId%20%3D%20%27{customer.pk}%27"
    assert (
        f'href="http://temporal-ui.example:8233/namespaces/default/workflows?query={query}"' in html
    )


def test_the_committed_search_attributes_history_upserts_each_status(background_loop):
    # Given the history recorded with the search-attributes patch (CI replays it with the rest)
    history = WorkflowHistory.from_json(
        "search-attributes", (HISTORIES / "search_attributes.json").read_text()
    )

    # When its upserts are read
    statuses = [
        PayloadConverter.default.from_payload(fields.indexed_fields["OrderStatus"], str)
        for fields in (
            e.upsert_workflow_search_attributes_event_attributes.search_attributes
            for e in history.events
            if e.HasField("upsert_workflow_search_attributes_event_attributes")
        )
        if "OrderStatus" in fields.indexed_fields
    ]

    # Then the status went received -> completed, one upsert per move, after the patch marker
    assert statuses == [
        "received",
        "validated",
        "reserved",
        "authorized",
        "shipped",
        "delivered",
        "completed",
    ]
    markers = [
        e.marker_recorded_event_attributes.marker_name
        for e in history.events
        if e.HasField("marker_recorded_event_attributes")
    ]
    assert markers[0] == "core_patch"
