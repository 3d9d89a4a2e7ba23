"""End to end in a real browser: a guest opens a delivered order by its emailed link, returns
one item, and watches the return's page follow it to the refund without reloading.

Real parts only: Debian's Chromium (Playwright), the live Django server, the Temporal dev
server and the worker (OrderWorkflow delivers and captures, ReturnWorkflow and RefundWorkflow
take the return back), all on the same test database.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from orders.links import order_access_token
from orders.models import Order
from refunds.models import Refund
from returns.models import ReturnRequest
from returns.services.staff import forward_carrier_event
from tests.workflows.helpers import make_order, start, wait_for
from workflows.types import CarrierEvent
from workflows.workflow import OrderWorkflow

pytestmark = [
    pytest.mark.browser,
    pytest.mark.temporal,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

WORKFLOW_TIMEOUT_MS = 60_000


def _delivered_order(client, background_loop, task_queue: str) -> Order:
    """A guest's order of 2 units, run by its workflow through capture and delivery."""
    order = make_order(quantity=2, stock=10)

    async def scenario() -> str:
        handle = await start(client, order, task_queue)
        await handle.signal(OrderWorkflow.carrier_event, CarrierEvent("delivered", event_id="d1"))
        return (await handle.result()).status

    assert background_loop.run(scenario(), timeout=60) == "completed"
    return Order.objects.get(pk=order.pk)


def test_guest_returns_one_item_and_follows_the_return_to_its_refund(
    page: Page, live_server, temporal, order_worker, background_loop, settings
):
    # given a delivered order of 2 units, opened by the link from the guest's emails
    order = _delivered_order(order_worker.client, background_loop, settings.TEMPORAL_TASK_QUEUE)
    token = order_access_token(order.number, order.link_version)
    page.goto(f"{live_server.url}/orders/{order.number}/?t={token}")
    expect(page.get_by_role("heading", name=f"Order {order.number}")).to_be_visible()

    # when the guest chooses "Return items", returns 1 unit with a reason
    page.get_by_test_id("return-items-link").click()
    expect(
        page.get_by_role("heading", name=f"Return items from order {order.number}")
    ).to_be_visible()
    expect(page.get_by_test_id("return-line")).to_have_count(1)
    page.locator("#id_line_1").fill("1")
    page.locator("#id_reason").fill("Too small")
    page.get_by_test_id("return-submit").click()

    # then the return's page shows its number, the tracking number, and (live) approval
    number = f"{order.number}-RT1"
    expect(page.get_by_role("heading", name=f"Return {number}")).to_be_visible()
    ret = ReturnRequest.objects.get(number=number)
    expect(page.get_by_test_id("return-tracking-number")).to_have_text(ret.tracking_number)
    badge = page.get_by_test_id("return-status-badge")
    expect(badge).to_have_text("Approved", timeout=WORKFLOW_TIMEOUT_MS)
    expect(page.get_by_test_id("live-note")).to_have_text("This page updates itself.")

    # when the carrier brings the parcel back to the shop
    wait_for(lambda: ReturnRequest.objects.get(pk=ret.pk).status == "approved", timeout=30)
    assert forward_carrier_event(ret, "delivered", event_id="back-1")

    # then, without reloading, the page reaches "Refunded" and stops refreshing
    expect(badge).to_have_text("Refunded", timeout=WORKFLOW_TIMEOUT_MS)
    expect(page.get_by_test_id("return-refunded")).to_be_visible()
    expect(page.get_by_test_id("live-note")).to_have_count(0)
    # and the database agrees: one refund of one unit, the unit back in stock
    assert list(Refund.objects.filter(order=order).values_list("amount", "status")) == [
        (Decimal("19.99"), "succeeded")
    ]
    line = order.lines.get()
    line.product.stock.refresh_from_db()
    assert line.product.stock.quantity == 9
    assert re.fullmatch(r"RT[0-9A-F]{16}", ret.tracking_number)
