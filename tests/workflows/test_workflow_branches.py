"""Every branch of ``OrderWorkflow`` with stub activities on the time-skipping test server: no
database, seconds in all. The cancel update's branches are in
``test_workflow_cancel_branches.py`` (updates need the dev server)."""

from __future__ import annotations

import uuid

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from tests.workflows.stubs import REAL_NAMES, StubActivities, business_error, stub_worker
from workflows.types import (
    CarrierEvent,
    OrderInput,
    OrderResult,
    StepRecord,
    ValidationResult,
    workflow_id_for,
)
from workflows.workflow import OrderWorkflow

pytestmark = pytest.mark.temporal

DAY = 86400.0
FORWARD = ["validate_order", "reserve_inventory", "authorize_payment", "create_shipment"]
AFTER_SHIPMENT = ["capture_payment", "issue_invoice", "send_confirmation_email"]
UNDO = ("void_payment", "release_inventory", "release_voucher")
DELIVERY = ["apply_carrier_event", "send_delivery_email", "complete_order"]


def order_input(number: str, *, delivery_timeout_seconds: float | None = 3600.0) -> OrderInput:
    if delivery_timeout_seconds is None:  # as started before the input carried settings
        return OrderInput(order_number=number)
    return OrderInput(
        order_number=number,
        delivery_timeout_seconds=delivery_timeout_seconds,
        activity_timeout_seconds=10.0,
        retry_initial_interval_seconds=0.1,
        retry_maximum_interval_seconds=0.5,
    )


async def start(client, task_queue: str, input: OrderInput, **options) -> WorkflowHandle:
    return await client.start_workflow(
        OrderWorkflow.run,
        input,
        id=workflow_id_for(input.order_number),
        task_queue=task_queue,
        **options,
    )


def delivered(event_id: str = "d1") -> CarrierEvent:
    return CarrierEvent(status="delivered", event_id=event_id)


@pytest.fixture
def env(time_skipping_env):
    return time_skipping_env


@pytest.fixture
def number() -> str:
    return f"U{uuid.uuid4().hex[:10].upper()}"


def run(background_loop, env, stubs: StubActivities, scenario, timeout: float = 30):
    async def _run():
        async with stub_worker(env.client, stubs) as task_queue:
            return await scenario(task_queue)

    return background_loop.run(_run(), timeout=timeout)


def test_stubs_cover_every_real_activity():
    # Given the worker's activities / When the stubs are built / Then one stub per real name
    assert len(StubActivities().definitions()) == len(set(REAL_NAMES)) == 21


def test_happy_path(background_loop, env, number):
    # Given activities that all succeed
    stubs = StubActivities()

    # When the carrier reports in transit, then delivered
    async def scenario(task_queue):
        handle = await start(env.client, task_queue, order_input(number))
        await handle.signal(OrderWorkflow.carrier_event, CarrierEvent("in_transit", event_id="t1"))
        await handle.signal(OrderWorkflow.carrier_event, delivered())
        result = await handle.result()
        history = await handle.fetch_history()
        return result, await handle.query(OrderWorkflow.progress), history

    result, progress, history = run(background_loop, env, stubs, scenario)

    # Then every step ran once in order and the order completed
    assert result == OrderResult(order_number=number, status="completed", failure_reason="")
    assert stubs.names() == [
        *FORWARD,
        *AFTER_SHIPMENT,
        "apply_carrier_event",
        "apply_carrier_event",
        "send_delivery_email",
        "complete_order",
    ]
    assert [(s.step, s.status) for s in progress.steps] == [
        (name, "completed") for name in stubs.names()
    ]
    assert progress.steps[3] == StepRecord("create_shipment", "completed", f"DHL DHL-{number}")
    assert progress.steps[5] == StepRecord("issue_invoice", "completed", f"2026-{number}")
    assert [s.detail for s in progress.steps[7:9]] == ["in_transit", "delivered"]
    assert (progress.current_step, progress.status, progress.delivery_overdue) == (
        "done",
        "completed",
        False,
    )
    # And the database-only steps ran as local activities, the others as activity tasks
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert scheduled == [name for name in stubs.names() if name not in OrderWorkflow.local_steps]


@pytest.mark.parametrize(
    ("failing", "error_type", "expected"),
    [
        ("validate_order", "InvalidOrder", ["validate_order", "release_voucher"]),
        ("reserve_inventory", "OutOfStock", FORWARD[:2] + ["release_inventory", "release_voucher"]),
        ("authorize_payment", "PaymentError", FORWARD[:3] + list(UNDO)),
        ("create_shipment", "IllegalTransition", FORWARD + list(UNDO)),
    ],
)
def test_business_failure_compensates_in_reverse(
    background_loop, env, number, failing, error_type, expected
):
    # Given a step that fails for a business reason
    stubs = StubActivities(fail={failing: business_error(error_type, "It went wrong.")})

    # When the workflow runs
    async def scenario(task_queue):
        handle = await start(env.client, task_queue, order_input(number))
        return await handle.result(), await handle.query(OrderWorkflow.progress)

    result, progress = run(background_loop, env, stubs, scenario)

    # Then the done steps are undone in reverse, the order is failed and the customer told
    assert stubs.names() == [*expected, "mark_order_failed", "send_failure_email"]
    assert stubs.args_of("mark_order_failed") == [("It went wrong.", error_type)]
    assert result == OrderResult(number, "failed", "It went wrong.")
    failed = [s for s in progress.steps if s.status == "failed"]
    assert failed == [StepRecord(failing, "failed", "It went wrong.")]
    undone = [s.step for s in progress.steps if s.status == "compensated"]
    assert undone == [name for name in expected if name in UNDO]
    assert progress.status == "failed"


@pytest.mark.parametrize(
    ("broken", "recorded"),
    [
        (["void_payment"], ["void_payment: Provider down."]),
        (["release_inventory"], ["release_inventory: Provider down."]),
        (
            ["void_payment", "release_inventory"],
            ["void_payment: Provider down.", "release_inventory: Provider down."],
        ),
    ],
)
def test_failed_compensation_is_recorded_and_the_others_still_run(
    background_loop, env, number, broken, recorded
):
    # Given a shipment that fails after the authorization, and undo steps that fail for good
    fail = {"create_shipment": business_error("IllegalTransition", "No carrier.")}
    fail |= {name: business_error("PaymentError", "Provider down.") for name in broken}
    stubs = StubActivities(fail=fail)

    # When the workflow runs
    async def scenario(task_queue):
        handle = await start(env.client, task_queue, order_input(number))
        return await handle.result()

    result = run(background_loop, env, stubs, scenario)

    # Then both undo steps were tried, the failures recorded for staff, the order failed
    assert stubs.names() == [
        *FORWARD,
        *UNDO,
        "record_compensation_failed",
        "mark_order_failed",
        "send_failure_email",
    ]
    assert stubs.args_of("record_compensation_failed") == [(recorded,)]
    assert result == OrderResult(number, "failed", "No carrier.")


def test_order_already_closed_when_validated_ends_at_once(background_loop, env, number):
    # Given an order the database already shows as cancelled (a retried start)
    stubs = StubActivities(returns={"validate_order": ValidationResult(number, "cancelled")})

    # When the workflow runs
    async def scenario(task_queue):
        return await (await start(env.client, task_queue, order_input(number))).result()

    # Then nothing else runs and the workflow reports that status
    assert run(background_loop, env, stubs, scenario) == OrderResult(number, "cancelled", "")
    assert stubs.names() == ["validate_order"]


@pytest.mark.parametrize(
    ("input_timeout", "validation_timeout", "expected_days"),
    [(3600.0, 60.0, 3600.0 / DAY), (None, 60.0, 60.0 / DAY)],
    ids=["settings-from-input", "old-input-settings-from-validation"],
)
def test_overdue_delivery_alerts_once_and_keeps_waiting(
    background_loop, env, number, input_timeout, validation_timeout, expected_days
):
    # Given a delivery timeout from the input, or (older workflows) from validate_order
    validation = ValidationResult(number, "received", delivery_timeout_seconds=validation_timeout)
    stubs = StubActivities(returns={"validate_order": validation})
    timeout = input_timeout or validation_timeout

    # When no carrier event arrives for twice the timeout, then the parcel is delivered
    async def scenario(task_queue):
        handle = await start(
            env.client, task_queue, order_input(number, delivery_timeout_seconds=input_timeout)
        )
        await env.sleep(timeout * 2 + 1)
        overdue = await handle.query(OrderWorkflow.progress)
        await handle.signal(OrderWorkflow.carrier_event, delivered())
        return overdue, await handle.result()

    overdue, result = run(background_loop, env, stubs, scenario)

    # Then one overdue alert after the timeout, still waiting, then completed
    assert (overdue.current_step, overdue.delivery_overdue, overdue.status) == (
        "awaiting_delivery",
        True,
        "shipped",
    )
    assert stubs.args_of("record_delivery_overdue") == [(expected_days,)]
    assert stubs.names() == [*FORWARD, *AFTER_SHIPMENT, "record_delivery_overdue", *DELIVERY]
    assert result.status == "completed"


def test_repeated_unknown_and_late_carrier_events_are_ignored(background_loop, env, number):
    # Given a shipped order
    stubs = StubActivities()

    # When the carrier repeats an event, sends an unknown status, an exception, then delivered
    # twice (different ids)
    events = [
        CarrierEvent("in_transit", event_id="t1"),
        CarrierEvent("in_transit", event_id="t1"),
        CarrierEvent("lost", event_id="x1"),
        CarrierEvent("exception", event_id="e1", note="Address unclear"),
        delivered("d1"),
        delivered("d2"),
    ]

    async def scenario(task_queue):
        handle = await start(env.client, task_queue, order_input(number))
        for event in events:
            await handle.signal(OrderWorkflow.carrier_event, event)
        result = await handle.result()
        return result, await handle.query(OrderWorkflow.progress)

    result, progress = run(background_loop, env, stubs, scenario)

    # Then each distinct known event is applied once, nothing after delivery
    applied = [args[0]["event_id"] for args in stubs.args_of("apply_carrier_event")]
    assert applied == ["t1", "e1", "d1"]
    assert [s.detail for s in progress.steps if s.step == "apply_carrier_event"] == [
        "in_transit",
        "exception",
        "delivered",
    ]
    assert result.status == "completed"


def test_temporal_cancel_before_shipment_compensates(background_loop, env, number):
    # Given an authorization still running
    stubs = StubActivities(hold={"authorize_payment"})

    # When someone cancels the workflow through Temporal (CLI, UI) meanwhile
    async def scenario(task_queue):
        handle = await start(env.client, task_queue, order_input(number))
        await stubs.reached("authorize_payment")
        await handle.cancel()
        stubs.release("authorize_payment")
        return await handle.result(), await handle.query(OrderWorkflow.progress)

    result, progress = run(background_loop, env, stubs, scenario)

    # Then the authorization finishes, is voided, stock released, cancelled like an update
    assert stubs.names() == [
        *FORWARD[:3],
        *UNDO,
        "mark_order_cancelled",
        "send_cancellation_email",
    ]
    assert stubs.args_of("mark_order_cancelled") == [("system", "Cancelled through Temporal.")]
    assert result == OrderResult(number, "cancelled", "Cancelled through Temporal.")
    assert progress.cancel_requested is True


def test_temporal_cancel_after_shipment_is_ignored(background_loop, env, number):
    # Given an order waiting for delivery
    stubs = StubActivities()

    # When someone cancels the workflow through Temporal, then the parcel is delivered
    async def scenario(task_queue):
        handle = await start(env.client, task_queue, order_input(number))
        while (await handle.query(OrderWorkflow.progress)).current_step != "awaiting_delivery":
            await env.sleep(1)
        await handle.cancel()
        await handle.signal(OrderWorkflow.carrier_event, delivered())
        return await handle.result()

    result = run(background_loop, env, stubs, scenario)

    # Then nothing was undone and the order completed
    assert stubs.names() == [*FORWARD, *AFTER_SHIPMENT, *DELIVERY]
    assert result == OrderResult(number, "completed", "")
