"""The ``cancel`` update's branches with stub activities on the dev server (the time-skipping
server mishandles updates): accepted before shipment, refused after it, while another
cancellation runs, or while the order is being closed. No database."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.workflows.stubs import StubActivities, business_error, stub_worker
from tests.workflows.test_workflow_branches import FORWARD, delivered, order_input, start
from workflows.types import CancelRequest, CancelResult, OrderResult
from workflows.workflow import SHIPPED_REFUSAL, OrderWorkflow

pytestmark = pytest.mark.temporal

CUSTOMER = CancelRequest(actor="customer", reason="Changed my mind.")
# An update reaches the workflow with its next workflow task. While a local step runs, the task
# stays open and is only heartbeaten at 80% of this timeout (10 s by default), so a short one
# keeps a cancel during a held local step from waiting 8 s.
TASK_TIMEOUT = timedelta(seconds=1)


@pytest.fixture
def number() -> str:
    return f"C{uuid.uuid4().hex[:10].upper()}"


def run(background_loop, temporal_dev_server, stubs: StubActivities, scenario):
    client = temporal_dev_server.env.client

    async def _run():
        async with stub_worker(client, stubs) as task_queue:
            return await scenario(client, task_queue)

    return background_loop.run(_run(), timeout=30)


async def cancel_while_held(handle, stubs: StubActivities, step: str) -> CancelResult:
    """Ask to cancel while ``step`` runs, then let it finish."""
    await stubs.reached(step)
    update = asyncio.ensure_future(handle.execute_update(OrderWorkflow.cancel, CUSTOMER))
    while not (await handle.query(OrderWorkflow.progress)).cancel_requested:
        await asyncio.sleep(0.02)
    stubs.release(step)
    return await update


async def refusal(handle, request: CancelRequest = CUSTOMER) -> tuple[str, str]:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(OrderWorkflow.cancel, request)
    cause = raised.value.cause
    assert isinstance(cause, ApplicationError)
    return cause.type, cause.message


@pytest.mark.parametrize(
    ("held", "undo", "message"),
    [
        (
            "reserve_inventory",
            ["release_inventory", "release_voucher"],
            "Order cancelled; nothing was charged.",
        ),
        (
            "authorize_payment",
            ["void_payment", "release_inventory", "release_voucher"],
            "Order cancelled; nothing was charged.",
        ),
    ],
    ids=["before-authorization", "after-authorization"],
)
def test_cancel_before_shipment_compensates(
    background_loop, temporal_dev_server, number, held, undo, message
):
    # Given a step still running before shipment
    stubs = StubActivities(hold={held})

    # When the customer cancels meanwhile
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, order_input(number), task_timeout=TASK_TIMEOUT)
        result = await cancel_while_held(handle, stubs, held)
        return result, await handle.result()

    result, outcome = run(background_loop, temporal_dev_server, stubs, scenario)

    # Then the step finishes, is undone, the order cancelled with the customer's reason
    assert result == CancelResult(cancelled=True, message=message.format(number=number))
    done = FORWARD[: FORWARD.index(held) + 1]
    assert stubs.names() == [*done, *undo, "mark_order_cancelled", "send_cancellation_email"]
    assert stubs.args_of("mark_order_cancelled") == [("customer", "Changed my mind.")]
    assert outcome == OrderResult(number, "cancelled", "Changed my mind.")


def test_cancel_whose_void_fails_tells_the_customer_staff_will_release_it(
    background_loop, temporal_dev_server, number
):
    # Given an authorization running and a provider that then refuses the void
    stubs = StubActivities(
        hold={"authorize_payment"},
        fail={"void_payment": business_error("PaymentError", "Provider down.")},
    )

    # When the customer cancels
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, order_input(number), task_timeout=TASK_TIMEOUT)
        result = await cancel_while_held(handle, stubs, "authorize_payment")
        return result, await handle.result()

    result, outcome = run(background_loop, temporal_dev_server, stubs, scenario)

    # Then stock is released, staff alerted, the customer told the hold will be released
    assert result == CancelResult(
        cancelled=True,
        message="Order cancelled, but the hold on your card could not be released "
        "automatically: our staff have been alerted and will release it.",
    )
    assert stubs.args_of("record_compensation_failed") == [(["void_payment: Provider down."],)]
    assert "release_inventory" in stubs.names()
    assert outcome.status == "cancelled"


def test_cancel_after_shipment_is_refused(background_loop, temporal_dev_server, number):
    # Given an order waiting for delivery
    stubs = StubActivities(hold={"send_confirmation_email"})

    # When the customer asks to cancel
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, order_input(number), task_timeout=TASK_TIMEOUT)
        await stubs.reached("send_confirmation_email")
        refused = await refusal(handle)
        stubs.release("send_confirmation_email")
        await handle.signal(OrderWorkflow.carrier_event, delivered())
        return refused, await handle.result()

    refused, outcome = run(background_loop, temporal_dev_server, stubs, scenario)

    # Then the update is refused with the reason, nothing undone, the order completes
    assert refused == ("CancelRefused", SHIPPED_REFUSAL)
    assert "void_payment" not in stubs.names()
    assert outcome.status == "completed"


def test_second_cancel_while_one_runs_is_refused(background_loop, temporal_dev_server, number):
    # Given a cancellation accepted while the reservation runs
    stubs = StubActivities(hold={"reserve_inventory"})

    # When staff ask to cancel as well
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, order_input(number), task_timeout=TASK_TIMEOUT)
        await stubs.reached("reserve_inventory")
        first = asyncio.ensure_future(handle.execute_update(OrderWorkflow.cancel, CUSTOMER))
        while not (await handle.query(OrderWorkflow.progress)).cancel_requested:
            await asyncio.sleep(0.02)
        second = await refusal(handle, CancelRequest(actor="staff"))
        stubs.release("reserve_inventory")
        return second, await first

    second, first = run(background_loop, temporal_dev_server, stubs, scenario)

    # Then the second is refused and the first goes through once
    assert second == ("CancelRefused", "A cancellation is already in progress.")
    assert first.cancelled is True
    assert stubs.names().count("mark_order_cancelled") == 1


def test_cancel_while_the_order_is_being_closed_is_refused(
    background_loop, temporal_dev_server, number
):
    # Given an authorization that failed for good, whose compensation is running
    stubs = StubActivities(
        fail={"authorize_payment": business_error("PaymentError", "Card expired.")},
        hold={"void_payment"},
    )

    # When the customer asks to cancel
    async def scenario(client, task_queue):
        handle = await start(client, task_queue, order_input(number), task_timeout=TASK_TIMEOUT)
        await stubs.reached("void_payment")
        refused = await refusal(handle)
        stubs.release("void_payment")
        return refused, await handle.result()

    refused, outcome = run(background_loop, temporal_dev_server, stubs, scenario)

    # Then it is refused and the order fails for its own reason
    assert refused == (
        "CancelRefused",
        "The order is already being closed and can no longer be cancelled.",
    )
    assert outcome == OrderResult(number, "failed", "Card expired.")
    assert "mark_order_cancelled" not in stubs.names()
