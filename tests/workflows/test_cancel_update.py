"""The ``cancel`` update on the dev server (the time-skipping server mishandles updates)."""

from __future__ import annotations

import pytest

from orders.models import Payment, Reservation
from tests.workflows.helpers import make_order, start, status_of, stock_of, wait_for
from workflows import client as temporal_client
from workflows.types import SIGNAL_CARRIER_EVENT, CarrierEvent, OrderResult
from workflows.workflow import SHIPPED_REFUSAL

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]


def test_cancel_refused_after_shipment(order_worker, background_loop, settings):
    # Given an order whose workflow has shipped it
    order = make_order(quantity=1, stock=3)
    handle = background_loop.run(
        start(order_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10
    )
    wait_for(lambda: status_of(order) == "shipped")

    # When the customer asks to cancel
    result = temporal_client.cancel_order(order.number, actor="customer")

    # Then the validator refuses with a clear reason and nothing was undone
    assert (result.cancelled, result.message) == (False, SHIPPED_REFUSAL)
    assert status_of(order) == "shipped"
    assert Payment.objects.filter(order=order, kind="refund").count() == 0
    assert list(Reservation.objects.filter(order=order).values_list("state", flat=True)) == [
        "committed"
    ]
    assert stock_of(order) == [2]

    # And the order still completes on delivery
    async def deliver() -> OrderResult:
        await handle.signal(SIGNAL_CARRIER_EVENT, CarrierEvent(status="delivered", event_id="d1"))
        return await handle.result()

    assert background_loop.run(deliver(), timeout=20).status == "completed"
