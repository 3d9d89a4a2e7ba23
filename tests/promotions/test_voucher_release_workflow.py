"""The saga gives a voucher back (its ``release_voucher`` compensation, on the Temporal dev
server with the real worker): on a declined card left unpaid, and on a cancel before capture;
never once the payment was captured and the order delivered."""

from __future__ import annotations

import pytest

from promotions.models import Voucher, VoucherUsage
from promotions.services import take_usage
from tests.promotions.factories import VoucherFactory
from tests.workflows.helpers import DECLINED, make_order, start, status_of, wait_for
from workflows import client as temporal_client
from workflows.types import CarrierEvent
from workflows.workflow import OrderWorkflow

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]


def order_with_voucher(token: str | None = None):
    voucher = VoucherFactory(code="SAGA", usage_limit=1)
    order = make_order(quantity=1, stock=5, **({"token": token} if token else {}))
    order.voucher_code = voucher.code
    order.save(update_fields=["voucher_code"])
    take_usage(voucher, order)
    return order, voucher


def times_used(voucher: Voucher) -> int:
    return Voucher.objects.values_list("times_used", flat=True).get(pk=voucher.pk)


def test_declined_card_left_unpaid_gives_the_voucher_back(order_worker, background_loop, settings):
    # Given an order with a single-use voucher whose card is declined, and no other card
    # coming within the retry window
    settings.PAYMENT_RETRY_MINUTES = 0.02  # 1.2 s
    order, voucher = order_with_voucher(DECLINED)
    handle = background_loop.run(
        start(order_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10
    )
    # When the workflow ends
    result = background_loop.run(handle.result(), timeout=30)
    # Then the order is cancelled and the voucher usable again
    assert result.status == "cancelled"
    assert VoucherUsage.objects.get(order=order).state == "released"
    assert times_used(voucher) == 0


def test_cancel_before_capture_gives_the_voucher_back(order_worker, background_loop, settings):
    # Given an order with a voucher waiting for another card after a decline
    settings.PAYMENT_RETRY_MINUTES = 30
    order, voucher = order_with_voucher(DECLINED)
    background_loop.run(start(order_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10)
    wait_for(lambda: status_of(order) == "awaiting_payment", timeout=20)
    # When the customer cancels it
    result = temporal_client.cancel_order(order.number, actor="customer")
    # Then it is cancelled and the usage given back, once
    assert result.cancelled is True
    wait_for(lambda: VoucherUsage.objects.get(order=order).state == "released", timeout=15)
    assert times_used(voucher) == 0


def test_delivered_order_keeps_its_voucher_usage(order_worker, background_loop, settings):
    # Given an order with a voucher that was paid, shipped (captured) and delivered
    order, voucher = order_with_voucher()
    handle = background_loop.run(
        start(order_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10
    )
    wait_for(lambda: status_of(order) == "shipped", timeout=20)

    async def deliver():
        await handle.signal(
            OrderWorkflow.carrier_event, CarrierEvent(status="delivered", event_id="d1")
        )
        return await handle.result()

    result = background_loop.run(deliver(), timeout=30)
    # Then the usage stays taken: a delivered order keeps its discount
    assert result.status == "completed"
    assert VoucherUsage.objects.get(order=order).state == "taken"
    assert times_used(voucher) == 1
