"""The payment branches of ``OrderWorkflow`` with stub activities, no database: authorize then
capture, a decline that waits for another card (``retry_payment``) or times out, a transient
failure, an authorization that lapses before shipment, a capture refused for good, and the
``payment_outcome`` update checkout waits on. Timers on the time-skipping server; updates on
the dev server (the time-skipping server mishandles them)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.workflows.stubs import StubActivities, business_error, stub_worker
from tests.workflows.test_workflow_branches import (
    AFTER_SHIPMENT,
    DELIVERY,
    FORWARD,
    UNDO,
    delivered,
    order_input,
    start,
)
from tests.workflows.test_workflow_cancel_branches import TASK_TIMEOUT
from workflows.types import (
    CancelRequest,
    OrderResult,
    PaymentAttempt,
    PaymentMethod,
    PaymentOutcome,
)
from workflows.workflow import OrderWorkflow

pytestmark = pytest.mark.temporal

NEW_CARD = PaymentMethod(token="tok_4242", brand="visa", last4="4242")
RETRY_SECONDS = 1800.0


@pytest.fixture
def number() -> str:
    return f"P{uuid.uuid4().hex[:10].upper()}"


def declined() -> ApplicationError:
    """What the real activity raises for a declined card (the provider's code as detail)."""
    return ApplicationError(
        "The payment was declined by the card issuer.",
        "card_declined",
        type="PaymentDeclined",
        non_retryable=True,
    )


def payment_input(number: str, **settings: float):
    input = order_input(number)
    input.payment_retry_seconds = settings.get("retry", RETRY_SECONDS)
    input.authorization_seconds = settings.get("authorization", 7 * 86400.0)
    return input


def on_time_skipping(background_loop, env, stubs, scenario):
    async def _run():
        async with stub_worker(env.client, stubs) as task_queue:
            return await scenario(env.client, task_queue)

    return background_loop.run(_run(), timeout=30)


def on_dev_server(background_loop, server, stubs, scenario):
    client = server.env.client

    async def _run():
        async with stub_worker(client, stubs) as task_queue:
            return await scenario(client, task_queue)

    return background_loop.run(_run(), timeout=30)


# --- timers (time-skipping) ---------------------------------------------------------------------


def test_authorized_order_is_captured_after_shipment(background_loop, time_skipping_env, number):
    # Given a card that authorizes
    stubs = StubActivities()

    # When the order runs through delivery
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, payment_input(number))
        await handle.signal(OrderWorkflow.carrier_event, delivered())
        return await handle.result()

    result = on_time_skipping(background_loop, time_skipping_env, stubs, scenario)

    # Then authorize comes before the shipment and capture right after it, once each
    assert stubs.names() == [*FORWARD, *AFTER_SHIPMENT, *DELIVERY]
    assert stubs.args_of("authorize_payment") == [(PaymentAttempt(attempt=1).__dict__,)]
    assert result == OrderResult(number, "completed", "")


def test_declined_card_not_replaced_in_time_cancels_the_order(
    background_loop, time_skipping_env, number
):
    # Given a card that is declined
    stubs = StubActivities(fail={"authorize_payment": declined()})

    # When nobody pays again within the retry window
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, payment_input(number))
        await time_skipping_env.sleep(RETRY_SECONDS + 1)
        return await handle.result(), await handle.query(OrderWorkflow.progress)

    result, progress = on_time_skipping(background_loop, time_skipping_env, stubs, scenario)

    # Then the stock held meanwhile is released and the order cancelled (one email)
    assert stubs.names() == [
        *FORWARD[:3],
        *UNDO,
        "mark_order_cancelled",
        "send_cancellation_email",
    ]
    reason = "The payment was not completed in time."
    assert stubs.args_of("mark_order_cancelled") == [("system", reason)]
    assert result == OrderResult(number, "cancelled", reason)
    assert progress.status == "cancelled"


def test_transient_authorization_failure_is_retried(background_loop, time_skipping_env, number):
    # Given a provider that fails twice with a processing error, then authorizes
    transient = ApplicationError("Processing error.", "processing_error", type="Transient")
    stubs = StubActivities(fail={"authorize_payment": [transient, transient]})

    # When the order runs
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, payment_input(number))
        await handle.signal(OrderWorkflow.carrier_event, delivered())
        return await handle.result()

    result = on_time_skipping(background_loop, time_skipping_env, stubs, scenario)

    # Then the same attempt ran three times and the order completed
    assert stubs.names().count("authorize_payment") == 3
    assert set(map(str, stubs.args_of("authorize_payment"))) == {
        str((PaymentAttempt(attempt=1).__dict__,))
    }
    assert result.status == "completed"


def test_authorization_that_lapses_before_shipment_is_voided_and_the_order_failed(
    background_loop, time_skipping_env, number
):
    # Given a carrier that can't take the parcel (the shipment keeps failing, retried)
    down = ApplicationError("Carrier down.", type="CarrierDown")
    stubs = StubActivities(fail={"create_shipment": down})
    input = payment_input(number, authorization=3600.0)
    input.retry_initial_interval_seconds = 120.0  # retries on durable timers
    input.retry_maximum_interval_seconds = 600.0

    # When the authorization's lifetime passes
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, input)
        return await handle.result()

    result = on_time_skipping(background_loop, time_skipping_env, stubs, scenario)

    # Then the hold is voided, the stock released and the order failed with the reason
    reason = "The payment authorization expired before the order could ship."
    assert stubs.names()[-5:] == [*UNDO, "mark_order_failed", "send_failure_email"]
    assert stubs.args_of("mark_order_failed") == [(reason, "AuthorizationExpired")]
    assert "capture_payment" not in stubs.names()
    assert result == OrderResult(number, "failed", reason)


def test_capture_refused_for_good_alerts_staff_and_the_order_goes_on(
    background_loop, time_skipping_env, number
):
    # Given a provider that refuses the capture once the parcel left
    stubs = StubActivities(fail={"capture_payment": business_error("PaymentError", "Expired.")})

    # When the order runs through delivery
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, payment_input(number))
        await handle.signal(OrderWorkflow.carrier_event, delivered())
        return await handle.result()

    result = on_time_skipping(background_loop, time_skipping_env, stubs, scenario)

    # Then staff are alerted, nothing is undone (the goods are gone) and the order completes
    assert stubs.args_of("record_compensation_failed") == [(["capture_payment: Expired."],)]
    assert not set(UNDO) & set(stubs.names())
    assert "issue_invoice" not in stubs.names()  # no invoice for money not taken
    assert result.status == "completed"


def test_invoice_that_cant_be_issued_alerts_staff_and_the_order_goes_on(
    background_loop, time_skipping_env, number
):
    # Given an invoice step that fails for good after the capture
    stubs = StubActivities(fail={"issue_invoice": business_error("InvalidOrder", "No address.")})

    # When the order runs through delivery
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, payment_input(number))
        await handle.signal(OrderWorkflow.carrier_event, delivered())
        return await handle.result()

    result = on_time_skipping(background_loop, time_skipping_env, stubs, scenario)

    # Then staff are alerted, the customer still gets the confirmation and the order completes
    assert stubs.args_of("record_compensation_failed") == [(["issue_invoice: No address."],)]
    assert stubs.names()[4:8] == [
        "capture_payment",
        "issue_invoice",
        "record_compensation_failed",
        "send_confirmation_email",
    ]
    assert result.status == "completed"


# --- updates (dev server) -----------------------------------------------------------------------


def test_declined_then_paid_again_completes(background_loop, temporal_dev_server, number):
    # Given a first card that is declined
    stubs = StubActivities(fail={"authorize_payment": [declined()]})

    # When checkout asks for the outcome, then the shopper pays again with another card
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, payment_input(number), task_timeout=TASK_TIMEOUT)
        first = await handle.execute_update(OrderWorkflow.payment_outcome)
        waiting = await handle.query(OrderWorkflow.progress)
        second = await handle.execute_update(OrderWorkflow.retry_payment, NEW_CARD)
        await handle.signal(OrderWorkflow.carrier_event, delivered())
        return first, waiting, second, await handle.result()

    first, waiting, second, result = on_dev_server(
        background_loop, temporal_dev_server, stubs, scenario
    )

    # Then the decline is told with its reason, the order waits, the new card authorizes
    assert first == PaymentOutcome(
        "declined", "card_declined", "The payment was declined by the card issuer.", 1
    )
    assert (waiting.current_step, waiting.status) == ("awaiting_payment", "awaiting_payment")
    assert second == PaymentOutcome("authorized", attempt=2)
    assert [args[0]["attempt"] for args in stubs.args_of("authorize_payment")] == [1, 2]
    assert stubs.args_of("authorize_payment")[1][0]["method"] == NEW_CARD.__dict__
    assert stubs.names() == [
        *FORWARD[:3],
        "authorize_payment",
        "create_shipment",
        *AFTER_SHIPMENT,
        *DELIVERY,
    ]
    assert result.status == "completed"


def test_declined_twice_answers_each_decline(background_loop, temporal_dev_server, number):
    # Given two cards that are declined, then a third that works
    stubs = StubActivities(fail={"authorize_payment": [declined(), declined()]})

    # When the shopper tries again twice
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, payment_input(number), task_timeout=TASK_TIMEOUT)
        await handle.execute_update(OrderWorkflow.payment_outcome)
        second = await handle.execute_update(OrderWorkflow.retry_payment, NEW_CARD)
        third = await handle.execute_update(OrderWorkflow.retry_payment, NEW_CARD)
        await handle.signal(OrderWorkflow.carrier_event, delivered())
        return second, third, await handle.result()

    second, third, result = on_dev_server(background_loop, temporal_dev_server, stubs, scenario)

    # Then each answer belongs to its own attempt
    assert (second.status, second.attempt) == ("declined", 2)
    assert third == PaymentOutcome("authorized", attempt=3)
    assert result.status == "completed"


def test_outcome_of_an_authorized_order(background_loop, temporal_dev_server, number):
    # Given a card that authorizes
    stubs = StubActivities(hold={"create_shipment"})

    # When checkout asks for the outcome; then a retry is attempted anyway
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, payment_input(number), task_timeout=TASK_TIMEOUT)
        outcome = await handle.execute_update(OrderWorkflow.payment_outcome)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(OrderWorkflow.retry_payment, NEW_CARD)
        stubs.release("create_shipment")
        await handle.signal(OrderWorkflow.carrier_event, delivered())
        await handle.result()
        return outcome, refused.value.cause

    outcome, cause = on_dev_server(background_loop, temporal_dev_server, stubs, scenario)

    # Then it is authorized, and paying again is refused with a reason
    assert outcome == PaymentOutcome("authorized", attempt=1)
    assert (cause.type, cause.message) == (
        "PaymentRefused",
        "This order is not waiting for a payment.",
    )
    assert stubs.names().count("authorize_payment") == 1


def test_outcome_of_an_order_that_fails_before_payment(
    background_loop, temporal_dev_server, number
):
    # Given an order whose stock is gone
    stubs = StubActivities(fail={"reserve_inventory": business_error("OutOfStock", "Sold out.")})

    # When checkout asks for the outcome
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, payment_input(number), task_timeout=TASK_TIMEOUT)
        outcome = await handle.execute_update(OrderWorkflow.payment_outcome)
        return outcome, await handle.result()

    outcome, result = on_dev_server(background_loop, temporal_dev_server, stubs, scenario)

    # Then the answer is the failure, and nothing was authorized
    assert outcome == PaymentOutcome("failed", message="Sold out.")
    assert "authorize_payment" not in stubs.names()
    assert result.status == "failed"


def test_cancel_while_awaiting_payment_releases_the_stock(
    background_loop, temporal_dev_server, number
):
    # Given an order waiting for another card
    stubs = StubActivities(fail={"authorize_payment": [declined()]})

    # When the shopper cancels instead
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, payment_input(number), task_timeout=TASK_TIMEOUT)
        await handle.execute_update(OrderWorkflow.payment_outcome)
        cancel = asyncio.ensure_future(handle.execute_update(OrderWorkflow.cancel, CancelRequest()))
        return await cancel, await handle.result()

    result, outcome = on_dev_server(background_loop, temporal_dev_server, stubs, scenario)

    # Then nothing was charged, the stock is released, the order cancelled
    assert result.cancelled is True
    assert stubs.names() == [
        *FORWARD[:3],
        *UNDO,
        "mark_order_cancelled",
        "send_cancellation_email",
    ]
    assert outcome.status == "cancelled"
