"""Checkout against a real Temporal dev server: once the order is committed, checkout starts
its workflow with Update-with-Start and waits (bounded) for the card's answer; a double submit
reuses the one order and its one workflow. Temporal down: the order is kept and the sweeper
starts it later.

``transaction=True`` as in production (the order is committed before the workflow starts, and
the worker's activities run in threads).
"""

import time

import pytest
from django.conf import settings

from orders.models import GatewayTransaction, Order, OrderEvent, Payment
from orders.services.checkout import start_pending_orders
from tests.factories import ProductFactory
from workflows import client as temporal_client

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]

FORM = {
    "email": "grace@example.com",
    "shipping_method": "standard",
    "full_name": "Grace Hopper",
    "line1": "2 Compiler Road",
    "city": "Arlington",
    "postal_code": "22201",
    "country": "US",
    "card_number": "4242424242424242",
    "expiry": "12/39",
    "cvc": "123",
}


def _checkout_token(client) -> str:
    client.post("/cart/add/", {"product_id": ProductFactory().pk, "quantity": 2})
    return client.get("/checkout/").context["checkout_token"]


def _executions(background_loop, address: str, workflow_id: str, expected: int) -> int:
    """Executions with this id that the server lists (visibility lags: poll briefly)."""
    from temporalio.client import Client

    async def count() -> int:
        conn = await Client.connect(address, namespace=settings.TEMPORAL_NAMESPACE)
        found = 0
        async for _ in conn.list_workflows(f"WorkflowId = '{workflow_id}'"):
            found += 1
        return found

    deadline = time.monotonic() + 5
    found = background_loop.run(count(), timeout=10)
    while found != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        found = background_loop.run(count(), timeout=10)
    return found


def test_double_submit_gives_one_order_and_one_workflow_start(
    client, temporal, order_worker, background_loop
):
    # Given a filled checkout form, a reachable Temporal server and the order worker
    token = _checkout_token(client)
    # When the form is submitted twice with the same checkout token
    first = client.post("/checkout/", {**FORM, "checkout_token": token})
    second = client.post("/checkout/", {**FORM, "checkout_token": token})
    # Then both land on the same confirmation of the one order, which says the card was
    # accepted (the second submit joined the running workflow and got the same answer)
    order = Order.objects.get()
    assert first.url == second.url == f"/checkout/done/{order.number}/"
    page = client.get(first.url).content.decode()
    assert 'data-testid="payment-state" data-state="authorized"' in page
    # And its workflow was started once, and the card authorized once
    order.refresh_from_db()
    assert order.workflow_id == f"order-{order.number}"
    assert order.workflow_started_at is not None
    snapshot = temporal_client.describe_order_workflow(order.number, with_progress=False)
    assert (snapshot.workflow_id, snapshot.status) == (f"order-{order.number}", "RUNNING")
    started = OrderEvent.objects.get(order=order, kind="workflow_started")
    assert started.data == {"workflow_id": order.workflow_id, "started_now": True}
    assert _executions(background_loop, temporal.address, order.workflow_id, expected=1) == 1
    assert list(
        Payment.objects.filter(order=order, kind="authorization").values_list("status")
    ) == [("succeeded",)]
    assert GatewayTransaction.objects.filter(kind="authorize").count() == 1


def test_temporal_down_at_checkout_then_the_sweeper_starts_it(client, temporal, settings):
    # Given Temporal unreachable at checkout time
    dev_server_address = settings.TEMPORAL_ADDRESS
    settings.TEMPORAL_ADDRESS = "127.0.0.1:1"
    temporal_client.reset_client()
    token = _checkout_token(client)
    # When the shopper places the order
    response = client.post("/checkout/", {**FORM, "checkout_token": token})
    # Then the order is saved without a workflow and the confirmation is shown
    order = Order.objects.get()
    assert (order.status, order.workflow_started_at, order.workflow_id) == ("received", None, "")
    done = client.get(response.url)
    assert done.status_code == 200
    assert f'data-testid="order-number">{order.number}<' in done.content.decode()
    assert 'data-testid="payment-state" data-state="pending"' in done.content.decode()
    # When Temporal is back and the sweeper runs (the real client, no mock)
    settings.TEMPORAL_ADDRESS = dev_server_address
    temporal_client.reset_client()
    assert start_pending_orders() == 1
    # Then the workflow runs and the order records it
    order.refresh_from_db()
    assert order.workflow_id == f"order-{order.number}"
    assert order.workflow_started_at is not None
    snapshot = temporal_client.describe_order_workflow(order.number, with_progress=False)
    assert snapshot.status == "RUNNING"
    assert list(order.events.values_list("kind", flat=True)) == ["placed", "workflow_started"]
