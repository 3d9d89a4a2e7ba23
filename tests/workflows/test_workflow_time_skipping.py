"""OrderWorkflow end to end on the time-skipping test server: real activities, real database."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from invoices.models import Invoice
from orders.models import (
    EmailNotification,
    GatewayTransaction,
    Order,
    Payment,
    Reservation,
    Shipment,
)
from tests.workflows.helpers import (
    DECLINED,
    INSUFFICIENT,
    TRANSIENT,
    make_order,
    start,
    status_of,
    stock_of,
    wait_for,
)
from workflows.types import (
    CarrierEvent,
    OrderResult,
)
from workflows.workflow import OrderWorkflow

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]


def test_happy_path_runs_through_delivery(time_skipping_worker, background_loop, settings):
    # Given an order of 2 units with 10 in stock, paid with a card that authorizes
    order = make_order(quantity=2, stock=10)

    # When the workflow runs and the carrier reports in transit, then delivered
    async def scenario() -> OrderResult:
        handle = await start(time_skipping_worker.client, order, settings.TEMPORAL_TASK_QUEUE)
        await handle.signal(
            OrderWorkflow.carrier_event, CarrierEvent(status="in_transit", event_id="e1")
        )
        await handle.signal(
            OrderWorkflow.carrier_event, CarrierEvent(status="delivered", event_id="e2")
        )
        result = await handle.result()
        return result, await handle.query(OrderWorkflow.progress)

    result, progress = background_loop.run(scenario(), timeout=60)

    # Then the order completed, stock was committed, the total authorized once and captured
    # once (after the shipment), two emails
    assert result == OrderResult(order_number=order.number, status="completed", failure_reason="")
    order.refresh_from_db()
    assert order.status == "completed"
    assert stock_of(order) == [8]
    assert list(Reservation.objects.filter(order=order).values_list("state", flat=True)) == [
        "committed"
    ]
    assert list(
        Payment.objects.filter(order=order).values_list(
            "kind", "status", "amount", "idempotency_key"
        )
    ) == [
        ("authorization", "succeeded", Decimal("44.88"), f"order-{order.number}-authorize"),
        ("capture", "succeeded", Decimal("44.88"), f"order-{order.number}-capture"),
    ]
    assert list(
        order.events.values_list("to_status", flat=True).filter(
            kind__in=[
                "validated",
                "stock_reserved",
                "payment_authorized",
                "shipped",
                "in_transit",
                "delivered",
                "completed",
            ]
        )
    ) == ["validated", "reserved", "authorized", "shipped", "in_transit", "delivered", "completed"]
    assert [
        kind for kind in order.events.values_list("kind", flat=True) if kind.startswith("payment_")
    ] == ["payment_authorized", "payment_captured"]
    assert sorted(EmailNotification.objects.filter(order=order).values_list("kind", flat=True)) == [
        "confirmation",
        "delivered",
    ]
    assert [m.to for m in mail.outbox] == [["guest@example.com"], ["guest@example.com"]]
    assert list(
        GatewayTransaction.objects.filter(
            idempotency_key__startswith=f"order-{order.number}-"
        ).values_list("idempotency_key", "kind", "status", "attempts")
    ) == [
        (f"order-{order.number}-authorize", "authorize", "succeeded", 1),
        (f"order-{order.number}-capture", "capture", "succeeded", 1),
    ]
    shipment = Shipment.objects.get(order=order)
    assert (progress.order_number, progress.current_step, progress.status) == (
        order.number,
        "done",
        "completed",
    )
    assert [(s.step, s.status, s.detail) for s in progress.steps] == [
        ("validate_order", "completed", ""),
        ("reserve_inventory", "completed", ""),
        ("authorize_payment", "completed", ""),
        ("create_shipment", "completed", f"{shipment.carrier} {shipment.tracking_number}"),
        ("capture_payment", "completed", ""),
        ("issue_invoice", "completed", Invoice.objects.get(order=order).number),
        ("send_confirmation_email", "completed", ""),
        ("apply_carrier_event", "completed", "in_transit"),
        ("apply_carrier_event", "completed", "delivered"),
        ("send_delivery_email", "completed", ""),
        ("complete_order", "completed", ""),
    ]
    assert (progress.failure_reason, progress.cancel_requested, progress.delivery_overdue) == (
        "",
        False,
        False,
    )


def _run_to_end(worker, background_loop, order, settings, *signals: CarrierEvent) -> OrderResult:
    async def scenario() -> OrderResult:
        handle = await start(worker.client, order, settings.TEMPORAL_TASK_QUEUE)
        for event in signals:
            await handle.signal(OrderWorkflow.carrier_event, event)
        return await handle.result()

    return background_loop.run(scenario(), timeout=60)


def _timers(history) -> list[timedelta]:
    return [
        e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
        for e in history.events
        if e.HasField("timer_started_event_attributes")
    ]


def test_declined_card_waits_for_another_card_then_cancels_the_order(
    time_skipping_worker, background_loop, settings
):
    # Given an order paid with the declined test card, 3 units of 5 in stock, and a shop that
    # holds the stock 2 minutes for the shopper to pay again
    settings.PAYMENT_RETRY_MINUTES = 2.0
    order = make_order(token=DECLINED, quantity=3, stock=5)

    # When the workflow runs (time only skips once the test awaits the result)
    handle = background_loop.run(
        start(time_skipping_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10
    )
    waiting = wait_for(
        lambda: (
            (p := background_loop.run(handle.query(OrderWorkflow.progress), timeout=10))
            and p.current_step == "awaiting_payment"
            and p
        )
    )

    # Then the order is not failed: it waits for another card with its stock held, the
    # declined authorization recorded, nothing held on the card and nobody emailed yet
    assert (waiting.status, waiting.failure_reason) == ("awaiting_payment", "")
    assert waiting.steps[-1].step == "authorize_payment"
    assert waiting.steps[-1].status == "failed"
    assert status_of(order) == "awaiting_payment"
    assert stock_of(order) == [2]
    assert list(
        Payment.objects.filter(order=order).values_list(
            "kind", "status", "failure_code", "idempotency_key"
        )
    ) == [("authorization", "failed", "card_declined", f"order-{order.number}-authorize")]
    assert list(order.events.filter(kind="payment_failed").values_list("message", "data")) == [
        (
            "The payment was declined by the card issuer. (visa ending in 4242)",
            {"code": "card_declined"},
        )
    ]
    assert mail.outbox == []

    # When nobody pays again within the 2 minutes
    async def outcome():
        return await handle.result(), await handle.fetch_history()

    result, history = background_loop.run(outcome(), timeout=60)

    # Then the order is cancelled by "system", stock is back, nothing was authorized so
    # nothing is voided, and the customer gets one cancellation email
    reason = "The payment was not completed in time."
    assert result == OrderResult(
        order_number=order.number, status="cancelled", failure_reason=reason
    )
    assert _timers(history) == [timedelta(minutes=2)]
    order.refresh_from_db()
    assert (order.status, order.failure_reason) == ("cancelled", reason)
    assert order.events.get(kind="cancelled").actor == "system"
    assert stock_of(order) == [5]
    assert list(Reservation.objects.filter(order=order).values_list("state", flat=True)) == [
        "released"
    ]
    assert list(Payment.objects.filter(order=order).values_list("kind", "status")) == [
        ("authorization", "failed")
    ]
    assert list(
        GatewayTransaction.objects.filter(
            idempotency_key__startswith=f"order-{order.number}-"
        ).values_list("kind", "status")
    ) == [("authorize", "declined")]
    assert list(EmailNotification.objects.filter(order=order).values_list("kind", flat=True)) == [
        "cancelled"
    ]
    assert [m.subject for m in mail.outbox] == [f"Your order {order.number} has been cancelled"]
    assert f"Reason: {reason}" in mail.outbox[0].body
    assert "Your card has not been charged." in mail.outbox[0].body


def test_insufficient_funds_is_declined_with_its_own_code(
    time_skipping_worker, background_loop, settings
):
    # Given an order paid with the insufficient-funds test card
    order = make_order(token=INSUFFICIENT, quantity=1, stock=2)

    # When the workflow runs and nobody pays again (the default 30 minutes skip by)
    result = _run_to_end(time_skipping_worker, background_loop, order, settings)

    # Then the decline was recorded with the insufficient-funds code and message, and the
    # order was cancelled with its stock back
    assert result == OrderResult(
        order_number=order.number,
        status="cancelled",
        failure_reason="The payment was not completed in time.",
    )
    assert list(Payment.objects.filter(order=order).values_list("status", "failure_code")) == [
        ("failed", "insufficient_funds")
    ]
    assert list(order.events.filter(kind="payment_failed").values_list("message", "data")) == [
        (
            "The payment failed: the card has insufficient funds. (visa ending in 4242)",
            {"code": "insufficient_funds"},
        )
    ]
    assert stock_of(order) == [2]


def test_out_of_stock_fails_without_charging(time_skipping_worker, background_loop, settings):
    # Given an order of 3 units with only 2 in stock
    order = make_order(quantity=3, stock=2)
    name = order.lines.get().name

    # When the workflow runs
    result = _run_to_end(time_skipping_worker, background_loop, order, settings)

    # Then it failed as out of stock, nothing reserved or charged, stock untouched
    assert result == OrderResult(
        order_number=order.number, status="failed", failure_reason=f"Not enough stock for: {name}."
    )
    assert stock_of(order) == [2]
    assert Reservation.objects.filter(order=order).count() == 0
    assert Payment.objects.filter(order=order).count() == 0
    assert GatewayTransaction.objects.count() == 0
    assert order.events.get(kind="failed").data == {"code": "OutOfStock"}
    assert [m.subject for m in mail.outbox] == [f"We could not complete your order {order.number}"]


def test_transient_card_recovers_through_retries(time_skipping_worker, background_loop, settings):
    # Given an order paid with the card that fails twice with a processing error
    order = make_order(token=TRANSIENT, quantity=1, stock=4)

    # When the workflow runs and the parcel is delivered
    result = _run_to_end(
        time_skipping_worker,
        background_loop,
        order,
        settings,
        CarrierEvent(status="delivered", event_id="d1"),
    )

    # Then it completed with exactly one authorization (after 3 attempts at the provider)
    # and exactly one capture
    assert result.status == "completed"
    assert list(
        GatewayTransaction.objects.values_list("idempotency_key", "kind", "status", "attempts")
    ) == [
        (f"order-{order.number}-authorize", "authorize", "succeeded", 3),
        (f"order-{order.number}-capture", "capture", "succeeded", 1),
    ]
    assert list(Payment.objects.filter(order=order).values_list("kind", "status")) == [
        ("authorization", "succeeded"),
        ("capture", "succeeded"),
    ]
    assert stock_of(order) == [3]


def test_invalid_order_fails_at_validation(time_skipping_worker, background_loop, settings):
    # Given an order whose total does not add up
    order = make_order(quantity=1, stock=4)
    Order.objects.filter(pk=order.pk).update(total=Decimal("1.00"))

    # When the workflow runs
    result = _run_to_end(time_skipping_worker, background_loop, order, settings)

    # Then it failed at validation; nothing reserved
    assert result.status == "failed"
    assert result.failure_reason == "The order's total does not add up."
    assert Reservation.objects.filter(order=order).count() == 0
    assert stock_of(order) == [4]


def test_delivery_timeout_alerts_staff_once_then_keeps_waiting(
    time_skipping_worker, time_skipping_env, background_loop, settings
):
    # Given a shipped order whose delivery takes longer than the 14-day timeout
    settings.SHOP_STAFF_EMAILS = ["ops@example.com"]
    order = make_order(quantity=1, stock=4)
    handle = background_loop.run(
        start(time_skipping_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10
    )
    wait_for(lambda: EmailNotification.objects.filter(order=order, kind="confirmation").exists())

    # When 30 days pass (in milliseconds)
    started = time.monotonic()
    background_loop.run(time_skipping_env.sleep(timedelta(days=30)), timeout=30)
    wait_for(
        lambda: EmailNotification.objects.filter(
            order=order, sent_at__isnull=False, kind="overdue_staff"
        ).exists()
    )
    skipped_in = time.monotonic() - started

    # Then one overdue event and one staff email, and the workflow still waits
    assert order.events.filter(kind="delivery_overdue").count() == 1
    staff = [m for m in mail.outbox if m.to == ["ops@example.com"]]
    assert [m.subject for m in staff] == [f"[Staff] Delivery of order {order.number} is overdue"]
    assert "not been delivered after 14 days" in staff[0].body
    assert status_of(order) == "shipped"
    assert skipped_in < 10

    # And a late delivery still completes the order
    async def deliver() -> OrderResult:
        await handle.signal(
            OrderWorkflow.carrier_event, CarrierEvent(status="delivered", event_id="d1")
        )
        return await handle.result()

    assert background_loop.run(deliver(), timeout=30).status == "completed"
    assert status_of(order) == "completed"
    assert order.events.filter(kind="delivery_overdue").count() == 1


def test_repeated_carrier_events_are_ignored(time_skipping_worker, background_loop, settings):
    # Given an order
    order = make_order(quantity=1, stock=4)

    # When the carrier sends the same in-transit event twice, an exception, then delivered
    result = _run_to_end(
        time_skipping_worker,
        background_loop,
        order,
        settings,
        CarrierEvent(status="in_transit", event_id="t1"),
        CarrierEvent(status="in_transit", event_id="t1"),
        CarrierEvent(status="exception", event_id="x1", note="Address unclear"),
        CarrierEvent(status="exception", event_id="x1", note="Address unclear"),
        CarrierEvent(status="delivered", event_id="d1"),
    )

    # Then each event was applied once
    assert result.status == "completed"
    kinds = list(
        order.events.filter(kind__in=["in_transit", "carrier_exception", "delivered"]).values_list(
            "kind", "message"
        )
    )
    assert kinds == [
        ("in_transit", "Parcel in transit."),
        ("carrier_exception", "Address unclear"),
        ("delivered", "Parcel delivered."),
    ]


def test_temporal_cancel_request_compensates(time_skipping_worker, background_loop, settings):
    # Given an order whose workflow has just started
    order = make_order(quantity=2, stock=4)

    # When the workflow is cancelled through Temporal (admin UI, CLI) before it ships
    async def scenario() -> OrderResult:
        handle = await start(time_skipping_worker.client, order, settings.TEMPORAL_TASK_QUEUE)
        await handle.cancel()
        return await handle.result()

    result = background_loop.run(scenario(), timeout=60)

    # Then the running step finishes, then the order is cancelled by "system", stock is back,
    # nothing was captured, an authorization (if the cancel came after it) is voided, and the
    # customer is told
    assert result == OrderResult(
        order_number=order.number, status="cancelled", failure_reason="Cancelled through Temporal."
    )
    assert status_of(order) == "cancelled"
    assert order.events.get(kind="cancelled").actor == "system"
    assert stock_of(order) == [4]
    assert Shipment.objects.filter(order=order).count() == 0
    authorized = Payment.objects.filter(order=order, kind="authorization", status="succeeded")
    voided = Payment.objects.filter(order=order, kind="void", status="succeeded")
    assert authorized.count() == voided.count()
    assert not Payment.objects.filter(order=order, kind__in=["capture", "charge"]).exists()
    assert not GatewayTransaction.objects.filter(kind__in=["capture", "charge"]).exists()
    assert [m.subject for m in mail.outbox] == [f"Your order {order.number} has been cancelled"]
