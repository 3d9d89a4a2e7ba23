"""A return's workflow outlives its worker: stopped while waiting for the parcel, a new worker
takes over from the history (after the dead worker's sticky queue times out, ~5 s on the dev
server) and the return ends refunded once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from refunds.models import Refund
from returns.models import ReturnRequest
from returns.services.requesting import request_return
from tests.conftest import run_order_worker
from tests.workflows.helpers import make_order, start, wait_for
from workflows.client import connect
from workflows.return_types import return_workflow_id
from workflows.return_workflow import ReturnWorkflow
from workflows.types import CarrierEvent
from workflows.workflow import OrderWorkflow

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]


def test_a_new_worker_finishes_a_return_its_stopped_worker_started(
    temporal, background_loop, settings
):
    # Given the dev server (Django's client on it), a first worker, and a return of a
    # delivered order waiting for its parcel
    settings.ORDER_RETRY_INITIAL_INTERVAL_SECONDS = 0.2
    settings.ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS = 1.0
    env_client = background_loop.run(connect(timeout=10), timeout=30)
    queue = settings.TEMPORAL_TASK_QUEUE
    order = make_order(quantity=1, stock=5)
    with run_order_worker(env_client, background_loop, queue):

        async def deliver() -> str:
            handle = await start(env_client, order, queue)
            await handle.signal(OrderWorkflow.carrier_event, CarrierEvent("delivered", "", "d1"))
            return (await handle.result()).status

        assert background_loop.run(deliver(), timeout=60) == "completed"
        ret = request_return(order.number, {order.lines.get().pk: 1}, "Too small")
        wait_for(lambda: ReturnRequest.objects.get(pk=ret.pk).status == "approved", timeout=30)

    # When, with no worker running, the carrier brings the parcel back; then a new worker starts
    handle = env_client.get_workflow_handle(return_workflow_id(order.number, 1))
    event = CarrierEvent("delivered", tracking_number=ret.tracking_number, event_id="back")
    background_loop.run(handle.signal(ReturnWorkflow.carrier_event, event), timeout=30)
    assert ReturnRequest.objects.get(pk=ret.pk).status == "approved"  # nobody ran it yet
    with run_order_worker(env_client, background_loop, queue):
        result = background_loop.run(handle.result(), timeout=60)
        progress = background_loop.run(handle.query(ReturnWorkflow.progress), timeout=30)

    # Then the new worker replayed the history and took the return to its refund, once
    assert result == "refunded"
    assert list(Refund.objects.filter(order=order).values_list("amount", "status")) == [
        (Decimal("19.99"), "succeeded")
    ]
    assert [s.step for s in progress.steps].count("request_return_refund") == 1
