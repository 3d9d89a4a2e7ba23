"""The ``cancel`` update on the dev server (the time-skipping server mishandles updates)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core import mail

from orders.models import GatewayTransaction, Payment, Reservation, Shipment
from tests.workflows.gateways import GatedGateway, VoidRefusingGateway
from tests.workflows.helpers import make_order, start, status_of, stock_of, wait_for
from workflows import client as temporal_client
from workflows.types import CancelResult, CarrierEvent, OrderResult
from workflows.workflow import SHIPPED_REFUSAL, OrderWorkflow

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]


def test_cancel_refused_after_shipment(order_worker, background_loop, settings):
    # Given an order whose workflow has shipped it
    order = make_order(quantity=1, stock=3)
    handle = background_loop.run(
        start(order_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10
    )
    progress = wait_for(
        lambda: (
            (p := temporal_client.query_progress(order.number)).current_step == "awaiting_delivery"
            and p
        )
    )
    assert (progress.status, progress.cancel_requested) == ("shipped", False)

    # When the customer asks to cancel
    result = temporal_client.cancel_order(order.number, actor="customer")

    # Then the validator refuses with a clear reason and nothing was undone: the payment
    # stays authorized and captured (no void, no refund)
    assert (result.cancelled, result.message) == (False, SHIPPED_REFUSAL)
    assert status_of(order) == "shipped"
    assert temporal_client.query_progress(order.number).cancel_requested is False
    assert list(Payment.objects.filter(order=order).values_list("kind", "status")) == [
        ("authorization", "succeeded"),
        ("capture", "succeeded"),
    ]
    assert list(Reservation.objects.filter(order=order).values_list("state", flat=True)) == [
        "committed"
    ]
    assert stock_of(order) == [2]

    # And the order still completes on delivery
    async def deliver() -> OrderResult:
        await handle.signal(
            OrderWorkflow.carrier_event, CarrierEvent(status="delivered", event_id="d1")
        )
        return await handle.result()

    assert background_loop.run(deliver(), timeout=20).status == "completed"


@pytest.fixture
def gated_gateway(settings):
    settings.PAYMENT_GATEWAY = "tests.workflows.gateways.GatedGateway"
    GatedGateway.reset()
    yield GatedGateway
    GatedGateway.release.set()


def test_cancel_before_shipment_voids_and_releases(
    order_worker, background_loop, settings, gated_gateway
):
    # Given an order whose workflow is inside the authorization step (the gateway holds the call)
    order = make_order(quantity=2, stock=5)
    handle = background_loop.run(
        start(order_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10
    )
    assert gated_gateway.entered.wait(15)
    assert stock_of(order) == [3]

    # When the customer cancels (the update waits for the step boundary) and the
    # authorization ends
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(
            temporal_client.cancel_order, order.number, "customer@example.com", "Changed my mind"
        )
        wait_for(lambda: temporal_client.query_progress(order.number).cancel_requested)
        second = temporal_client.cancel_order(order.number, actor="staff@example.com")
        gated_gateway.release.set()
        result = first.result(timeout=30)

    # Then the cancel returns after the void and release (nothing was charged, nothing
    # refunded), and a second cancel was refused
    assert result == CancelResult(cancelled=True, message="Order cancelled; nothing was charged.")
    assert second == CancelResult(cancelled=False, message="A cancellation is already in progress.")
    assert background_loop.run(handle.result(), timeout=20) == OrderResult(
        order_number=order.number, status="cancelled", failure_reason="Changed my mind"
    )
    order.refresh_from_db()
    assert (order.status, order.failure_reason) == ("cancelled", "Changed my mind")
    assert order.events.get(kind="cancelled").actor == "customer@example.com"
    assert list(
        Payment.objects.filter(order=order).values_list(
            "kind", "status", "amount", "idempotency_key"
        )
    ) == [
        ("authorization", "succeeded", Decimal("44.88"), f"order-{order.number}-authorize"),
        ("void", "succeeded", Decimal("44.88"), f"order-{order.number}-void"),
    ]
    authorization = Payment.objects.get(order=order, kind="authorization")
    assert sorted(
        GatewayTransaction.objects.filter(
            idempotency_key__startswith=f"order-{order.number}-"
        ).values_list("kind", "token", "status", "attempts")
    ) == [
        ("authorize", order.payment_token, "succeeded", 1),
        ("void", authorization.gateway_reference, "succeeded", 1),
    ]
    assert [
        kind for kind in order.events.values_list("kind", flat=True) if kind.startswith("payment_")
    ] == ["payment_authorized", "payment_voided"]
    assert stock_of(order) == [5]
    assert list(Reservation.objects.filter(order=order).values_list("state", flat=True)) == [
        "released"
    ]
    assert Shipment.objects.filter(order=order).count() == 0
    assert [m.subject for m in mail.outbox] == [f"Your order {order.number} has been cancelled"]
    assert (
        "Your card has not been charged: the amount held on it has been released."
        in mail.outbox[0].body
    )


@pytest.fixture
def void_refusing_gateway(settings):
    settings.PAYMENT_GATEWAY = "tests.workflows.gateways.VoidRefusingGateway"
    VoidRefusingGateway.reset()
    yield VoidRefusingGateway
    VoidRefusingGateway.release.set()


def test_cancel_whose_void_fails_for_good_closes_the_order_and_alerts_staff(
    order_worker, background_loop, settings, void_refusing_gateway
):
    # Given an order inside the authorization step, with a provider that refuses every void
    settings.SHOP_STAFF_EMAILS = ["ops@example.com"]
    order = make_order(quantity=2, stock=5)
    handle = background_loop.run(
        start(order_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10
    )
    assert void_refusing_gateway.entered.wait(15)

    # When the customer cancels and the authorization then succeeds
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(temporal_client.cancel_order, order.number, "customer", "")
        wait_for(lambda: temporal_client.query_progress(order.number).cancel_requested)
        void_refusing_gateway.release.set()
        result = pending.result(timeout=30)

    # Then the order is still cancelled and its stock released (not stuck), the customer is
    # told the hold on the card will be released by staff (nothing was captured), and staff
    # are alerted once with the reason
    assert result == CancelResult(
        cancelled=True,
        message="Order cancelled, but the hold on your card could not be released "
        "automatically: our staff have been alerted and will release it.",
    )
    assert background_loop.run(handle.result(), timeout=20).status == "cancelled"
    assert status_of(order) == "cancelled"
    assert stock_of(order) == [5]
    assert list(Payment.objects.filter(order=order).values_list("kind", "status")) == [
        ("authorization", "succeeded")
    ]
    assert list(
        GatewayTransaction.objects.filter(
            idempotency_key__startswith=f"order-{order.number}-"
        ).values_list("kind", "status")
    ) == [("authorize", "succeeded")]
    event = order.events.get(kind="compensation_failed")
    assert event.data == {"failures": ["void_payment: The provider refused the void."]}
    staff = [m for m in mail.outbox if m.to == ["ops@example.com"]]
    assert [m.subject for m in staff] == [
        f"[Staff] Order {order.number} needs attention: an undo step failed"
    ]
    assert "void_payment: The provider refused the void." in staff[0].body
    customer = [m for m in mail.outbox if m.to == [order.email]]
    assert [m.subject for m in customer] == [f"Your order {order.number} has been cancelled"]
    assert "The amount held on your card will be released: our staff are on it." in (
        customer[0].body
    )
    assert "has been released" not in customer[0].body
