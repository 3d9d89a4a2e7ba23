"""Order admin against a real Temporal dev server and the real order worker: the live panel,
and staff actions that go through the workflow and record who did them."""

from __future__ import annotations

import re

import pytest

from orders.models import GatewayTransaction, OrderEvent, Shipment
from orders.services.checkout import start_workflow_for
from tests.factories import StaffFactory
from tests.workflows.helpers import TRANSIENT, make_order, status_of, wait_for
from workflows import client as temporal_client

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]

LIST_URL = "/admin/orders/order/"


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory(email="ops@example.com"))
    return client


def _act(client, action: str, *orders):
    return client.post(
        LIST_URL, {"action": action, "_selected_action": [o.pk for o in orders]}, follow=True
    )


def test_panel_shows_execution_status_step_and_ui_link(order_worker, staff_client, settings):
    # given an order waiting for delivery
    settings.TEMPORAL_UI_URL = "http://temporal-ui.example:8233/"
    order = make_order(quantity=1, stock=5)
    assert start_workflow_for(order) is True
    wait_for(
        lambda: temporal_client.query_progress(order.number).current_step == "awaiting_delivery",
        timeout=20,
    )

    # when staff open it
    html = staff_client.get(f"{LIST_URL}{order.pk}/change/").content.decode()

    # then the panel shows what Temporal says right now
    assert 'data-state="ok"' in html
    assert '<td data-testid="execution-status">RUNNING</td>' in html
    assert '<td data-testid="current-step">awaiting_delivery</td>' in html
    assert "create_shipment: completed" in html
    assert (
        f'href="http://temporal-ui.example:8233/namespaces/default/workflows/order-{order.number}"'
        in html
    )


def test_panel_shows_a_retrying_activity_with_attempts_and_last_failure(
    order_worker, staff_client, settings
):
    # given an order whose card authorization failed transiently (the 0119 card's processing
    # error) and waits for its retry
    settings.ORDER_RETRY_INITIAL_INTERVAL_SECONDS = 3.0
    settings.ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS = 6.0
    order = make_order(token=TRANSIENT, quantity=1, stock=5)
    assert start_workflow_for(order) is True
    wait_for(
        lambda: any(
            a.activity_type == "authorize_payment" and a.attempt >= 2
            for a in temporal_client.describe_order_workflow(order.number).pending_activities
        ),
        timeout=20,
    )

    # when staff open it
    html = staff_client.get(f"{LIST_URL}{order.pk}/change/").content.decode()

    # then the pending authorization shows with its attempt (2 or, by now, 3) and the
    # provider's error; the order is still reserved (a transient error is not a decline)
    assert '<td data-testid="current-step">authorize_payment</td>' in html
    row = re.search(
        r"<tr><td>authorize_payment</td><td>(\w+)</td><td>(\d+)</td><td>([^<]*)</td></tr>", html
    )
    assert row is not None, html
    assert row.group(1) in ("SCHEDULED", "STARTED")
    assert int(row.group(2)) in (2, 3)
    assert row.group(3) == "The payment provider could not process the request; try again."
    authorization = GatewayTransaction.objects.get(
        idempotency_key=f"order-{order.number}-authorize"
    )
    assert (authorization.kind, authorization.token) == ("authorize", TRANSIENT)
    assert authorization.attempts >= 1
    assert status_of(order) == "reserved"


def test_mark_delivered_action_completes_the_order_and_records_staff(order_worker, staff_client):
    # given a shipped order
    order = make_order(quantity=1, stock=5)
    assert start_workflow_for(order) is True
    wait_for(lambda: status_of(order) == "shipped", timeout=20)

    # when staff mark it delivered (twice: a double click)
    first = _act(staff_client, "mark_orders_delivered", order).content.decode()
    wait_for(lambda: status_of(order) == "completed", timeout=15)
    second = _act(staff_client, "mark_orders_delivered", order).content.decode()

    # then it was delivered once, by the staff member, who is on record
    assert f"Delivery recorded: {order.number}." in first
    assert f"Order {order.number} is completed; only shipped orders" in second
    delivered = OrderEvent.objects.get(order=order, kind="delivered")
    assert delivered.actor == "ops@example.com"
    assert delivered.message == "Marked delivered by staff."  # the shopper sees this line
    assert list(
        OrderEvent.objects.filter(order=order, kind="staff_action").values_list("actor", "message")
    ) == [("ops@example.com", "Staff marked the order delivered.")]
    assert Shipment.objects.get(order=order).status == "delivered"


def test_start_missing_workflows_action_starts_and_records(order_worker, staff_client):
    # given an order placed while Temporal was down (no workflow yet)
    order = make_order(quantity=1, stock=5)

    # when staff start missing workflows
    html = _act(staff_client, "start_missing_workflows", order).content.decode()

    # then its workflow runs it to shipped, and the staff member is on record
    assert f"Workflow started: {order.number}." in html
    wait_for(lambda: status_of(order) == "shipped", timeout=20)
    assert list(
        OrderEvent.objects.filter(order=order, kind="staff_action").values_list("actor", "message")
    ) == [("ops@example.com", "Staff started the order's workflow.")]
    order.refresh_from_db()
    assert order.workflow_id == f"order-{order.number}"
