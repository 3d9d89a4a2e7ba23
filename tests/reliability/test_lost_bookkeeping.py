"""An order whose workflow runs in Temporal while the database lost the note that it started
(the write after the start failed: a cut connection, a start RPC that timed out on our side but
not on the server). A cancel pressed while the provider is answering the authorization goes
through the workflow (Temporal says it exists), the bookkeeping is repaired, and the money
ends where the shop's books say: held, then released; provider ledger = shop ledger."""

from __future__ import annotations

import threading

import pytest

from orders.models import Order, OrderEvent
from orders.services.tracking import cancel_order
from tests.factories import ProductFactory, set_stock
from tests.reliability.harness import make_order, payments_of, wait_until
from workflows import client as temporal_client
from workflows.types import workflow_id_for
from workflows.workflow import OrderWorkflow

pytestmark = [
    pytest.mark.postgres(reason="a worker subprocess can't see SQLite's in-memory test database"),
    pytest.mark.temporal,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def test_cancel_of_an_order_whose_start_was_not_recorded_goes_through_its_workflow(
    temporal, worker_process, background_loop, settings, tmp_path
):
    # Given a worker whose provider holds each authorization until the test releases it
    gate = tmp_path / "gate"
    gate.mkdir()
    settings.PAYMENT_GATEWAY = "tests.workflows.gateways.FileGatedGateway"
    worker = worker_process(
        env={
            "PAYMENT_GATEWAY": "tests.workflows.gateways.FileGatedGateway",
            "SHOP_TEST_GATE_DIR": str(gate),
        }
    )
    order = make_order(set_stock(ProductFactory(), 3), quantity=1)

    # And its workflow started in Temporal with no note of it in the database
    async def start_behind_the_books() -> None:
        client = await temporal_client.connect()
        await client.start_workflow(
            OrderWorkflow.run,
            temporal_client.order_input(order.number),
            id=workflow_id_for(order.number),
            task_queue=settings.TEMPORAL_TASK_QUEUE,
        )

    background_loop.run(start_behind_the_books(), timeout=30)
    wait_until(lambda: (gate / "entered").exists(), timeout=30, message=worker.log_tail)
    assert Order.objects.get(pk=order.pk).workflow_started_at is None

    # When the shopper cancels while the provider is answering, and the provider then accepts
    release = threading.Timer(1.0, (gate / "release").touch)
    release.start()
    outcome = cancel_order(order, actor="customer", reason="Changed my mind.")
    release.join()

    # Then the cancel went through the workflow: nothing charged, the hold released, stock back,
    # and the bookkeeping repaired from Temporal's answer
    assert outcome.ok is True, outcome.message
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.workflow_started_at is not None
    key = f"order-{order.number}"
    assert payments_of(order.number) == {
        "gateway": [
            ("authorize", f"{key}-authorize", "succeeded"),
            ("void", f"{key}-void", "succeeded"),
        ],
        "payments": [
            ("authorization", f"{key}-authorize", "succeeded"),
            ("void", f"{key}-void", "succeeded"),
        ],
    }
    started = OrderEvent.objects.get(order=order, kind="workflow_started")
    assert started.data["started_now"] is False
