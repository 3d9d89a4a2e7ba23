"""Recorded ``OrderWorkflow`` histories replay against the current code.

A change to the workflow that would break orders in flight (a new, removed or reordered
activity or timer without ``workflow.patched()``) fails here with a non-determinism error.

Record the histories of today's code after a deliberate, patched change (or to add a
scenario)::

    RECORD_HISTORIES=1 .venv/bin/pytest tests/workflows/test_replay.py -k record

then commit ``tests/workflows/histories/*.json``. Keep old histories: they are the orders
that may still be running in production. The files that today's recorders don't write were
recorded by earlier versions of the workflow, before a patch (``git log`` of this file shows
their recorders): ``happy_path``, ``declined``, ``overdue``, ``happy_path_input_config`` and
``cancel_update`` charge at once with regular activities or local steps; the
``*_local_steps`` ones before ``authorize-capture``; ``authorize_capture`` and
``declined_not_paid`` before ``voucher-release`` and ``invoice-on-capture``. Today's recorders
take every patch (``authorize-capture``, ``email-task-queue``, ``local-db-steps``,
``voucher-release``, ``invoice-on-capture``; ``search-attributes`` where the input asks).
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WithStartWorkflowOperation, WorkflowHistory, WorkflowUpdateStage
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from tests.workflows.gateways import GatedGateway
from tests.workflows.helpers import DECLINED, SUCCESS, make_order, start
from workflows.client import order_input
from workflows.types import (
    WORKFLOW_NAME,
    CancelRequest,
    CarrierEvent,
    OrderInput,
    OrderResult,
    PaymentMethod,
    workflow_id_for,
)
from workflows.worker import WORKFLOWS
from workflows.workflow import OrderWorkflow

HISTORIES = Path(__file__).parent / "histories"

pytestmark = pytest.mark.temporal


@pytest.mark.parametrize("name", sorted(p.name for p in HISTORIES.glob("*.json")))
def test_recorded_history_replays(name, background_loop):
    # Given a history recorded by an earlier version of the workflow
    history = WorkflowHistory.from_json(f"replay-{name}", (HISTORIES / name).read_text())

    # When it is replayed against the current workflow code
    result = background_loop.run(Replayer(workflows=WORKFLOWS).replay_workflow(history), timeout=60)

    # Then the replay finds no non-determinism
    assert result.replay_failure is None


def _scheduled_and_markers(name: str) -> tuple[list[str], list[str]]:
    history = WorkflowHistory.from_json(name, (HISTORIES / name).read_text())
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]
    markers = [
        e.marker_recorded_event_attributes.marker_name
        for e in history.events
        if e.HasField("marker_recorded_event_attributes")
    ]
    return scheduled, markers


def test_local_steps_history_runs_database_steps_as_local_activities():
    # Given the happy path recorded with the local-db-steps patch
    # When its events are read
    scheduled, markers = _scheduled_and_markers("happy_path_local_steps.json")

    # Then validate, reserve and ship ran as local activities (one marker each, after the
    # patch marker) and only the charge and the emails were scheduled as activity tasks
    assert markers == ["core_patch"] + ["core_local_activity"] * 3
    assert scheduled == [
        "charge_payment",
        "send_confirmation_email",
        "apply_carrier_event",
        "send_delivery_email",
        "complete_order",
    ]


def test_older_happy_path_history_has_no_local_steps():
    # Given / When the happy path recorded before the patch is read
    scheduled, markers = _scheduled_and_markers("happy_path.json")

    # Then it scheduled every step as an activity task (what its replay must keep doing)
    assert markers == []
    assert scheduled[:4] == [
        "validate_order",
        "reserve_inventory",
        "charge_payment",
        "create_shipment",
    ]


def test_authorize_capture_history_holds_then_takes_the_money_and_mails_on_its_queue():
    # Given the happy path recorded with every patch
    history = WorkflowHistory.from_json(
        "authorize-capture", (HISTORIES / "authorize_capture.json").read_text()
    )

    # When its scheduled activities and markers are read
    scheduled, markers = _scheduled_and_markers("authorize_capture.json")
    emails = [
        e.activity_task_scheduled_event_attributes.task_queue.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
        and e.activity_task_scheduled_event_attributes.activity_type.name.startswith("send_")
    ]

    # Then it authorized, captured after the (local) shipment, and sent emails on the queue
    # its input named (three patch markers: local steps, authorize-capture, email queue)
    assert scheduled == [
        "authorize_payment",
        "capture_payment",
        "send_confirmation_email",
        "apply_carrier_event",
        "send_delivery_email",
        "complete_order",
    ]
    assert markers.count("core_patch") == 3
    assert len(emails) == 2 and emails[0] == emails[1]


def _local_activities(history: WorkflowHistory) -> list[str]:
    """The local activities a history ran, in order (each leaves a marker)."""
    return [
        json.loads(e.marker_recorded_event_attributes.details["data"].payloads[0].data)[
            "activity_type"
        ]
        for e in history.events
        if e.HasField("marker_recorded_event_attributes")
        and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
    ]


def test_invoice_history_issues_the_invoice_locally_between_capture_and_email():
    # Given the happy path recorded with every patch, invoice-on-capture included
    history = WorkflowHistory.from_json(
        "invoice", (HISTORIES / "invoice_on_capture.json").read_text()
    )

    # When its local activities (markers) and scheduled activities are read
    local = _local_activities(history)
    scheduled, markers = _scheduled_and_markers("invoice_on_capture.json")

    # Then the invoice was a local step after the shipment, with no extra activity task, and
    # five patches were taken
    assert local == ["validate_order", "reserve_inventory", "create_shipment", "issue_invoice"]
    assert scheduled == [
        "authorize_payment",
        "capture_payment",
        "send_confirmation_email",
        "apply_carrier_event",
        "send_delivery_email",
        "complete_order",
    ]
    assert markers.count("core_patch") == 5


def test_declined_history_gives_the_voucher_back_last():
    # Given a declined order nobody paid for, recorded with the voucher-release patch
    history = WorkflowHistory.from_json(
        "voucher", (HISTORIES / "voucher_release_declined.json").read_text()
    )

    # When its local activities are read
    local = _local_activities(history)

    # Then the voucher was given back after the stock, as the last undo step
    assert local == ["validate_order", "reserve_inventory", "release_voucher"]


def test_input_config_history_carries_the_settings_in_its_input():
    # Given the happy path recorded with the settings in OrderInput
    history = WorkflowHistory.from_json(
        "input-config", (HISTORIES / "happy_path_input_config.json").read_text()
    )

    # When its start event's input is read
    started = history.events[0].workflow_execution_started_event_attributes
    payload = json.loads(started.input.payloads[0].data)

    # Then every setting the workflow runs by is there
    assert sorted(k for k, v in payload.items() if v is not None) == [
        "activity_timeout_seconds",
        "delivery_timeout_seconds",
        "order_number",
        "retry_initial_interval_seconds",
        "retry_maximum_interval_seconds",
    ]


def test_happy_path_history_is_committed():
    # Given / When the histories folder is listed / Then the happy path is there
    assert (HISTORIES / "happy_path.json").exists()


@workflow.defn(name=WORKFLOW_NAME, sandboxed=False)
class ReorderedOrderWorkflow:
    """A careless change: charges before reserving stock."""

    @workflow.run
    async def run(self, input: OrderInput) -> OrderResult:
        for name in ("validate_order", "charge_payment", "reserve_inventory"):
            await workflow.execute_activity(
                name, input.order_number, start_to_close_timeout=timedelta(seconds=30)
            )
        return OrderResult(order_number=input.order_number, status="completed")


def test_an_unpatched_change_fails_the_replay(background_loop):
    # Given the recorded happy path
    history = WorkflowHistory.from_json("replay-happy", (HISTORIES / "happy_path.json").read_text())

    # When it is replayed against a workflow whose steps were reordered without a patch
    replayer = Replayer(workflows=[ReorderedOrderWorkflow])

    # Then the replay fails with a non-determinism error
    with pytest.raises(NondeterminismError):
        background_loop.run(replayer.replay_workflow(history), timeout=60)


recording = pytest.mark.skipif(
    not os.environ.get("RECORD_HISTORIES"), reason="set RECORD_HISTORIES=1 to re-record"
)


async def _finish_and_fetch(handle, expected_status: str) -> str:
    result = await handle.result()
    assert result.status == expected_status
    progress = await handle.query(OrderWorkflow.progress)
    assert progress.status == expected_status
    return (await handle.fetch_history()).to_json()


@pytest.fixture
def every_patch(settings):
    """Record with every patch taken: emails on an explicit queue (the worker's own here)."""
    settings.TEMPORAL_EMAIL_TASK_QUEUE = settings.TEMPORAL_TASK_QUEUE
    settings.PAYMENT_RETRY_MINUTES = 30


@recording
@pytest.mark.django_db(transaction=True)
def test_record_invoice_on_capture_history(
    every_patch, time_skipping_worker, background_loop, settings
):
    # Given an order whose card authorizes
    order = make_order(token=SUCCESS, quantity=2, stock=10)

    # When it runs through delivery
    async def scenario() -> str:
        handle = await start(time_skipping_worker.client, order, settings.TEMPORAL_TASK_QUEUE)
        await handle.signal(OrderWorkflow.carrier_event, CarrierEvent("delivered", event_id="d1"))
        return await _finish_and_fetch(handle, "completed")

    # Then its history is written for the replay test
    (HISTORIES / "invoice_on_capture.json").write_text(background_loop.run(scenario(), 60))


@recording
@pytest.mark.django_db(transaction=True)
def test_record_voucher_release_declined_history(
    every_patch, time_skipping_worker, time_skipping_env, background_loop, settings
):
    # Given an order whose card is declined
    order = make_order(token=DECLINED, quantity=1, stock=10)

    # When nobody pays again within the retry window
    async def scenario() -> str:
        handle = await start(time_skipping_worker.client, order, settings.TEMPORAL_TASK_QUEUE)
        await time_skipping_env.sleep(timedelta(minutes=31))
        return await _finish_and_fetch(handle, "cancelled")

    # Then its history is written for the replay test
    (HISTORIES / "voucher_release_declined.json").write_text(background_loop.run(scenario(), 60))


@recording
@pytest.mark.django_db(transaction=True)
def test_record_declined_then_paid_history(every_patch, order_worker, background_loop, settings):
    # Given an order started as checkout starts it (Update-with-Start of payment_outcome, dev
    # server: updates) whose card is declined
    order = make_order(token=DECLINED, quantity=1, stock=10)

    # When the shopper pays again with a good card, and the parcel is delivered
    async def scenario() -> str:
        operation = WithStartWorkflowOperation(
            OrderWorkflow.run,
            order_input(order.number),
            id=workflow_id_for(order.number),
            task_queue=settings.TEMPORAL_TASK_QUEUE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        first = await order_worker.client.execute_update_with_start_workflow(
            OrderWorkflow.payment_outcome, start_workflow_operation=operation
        )
        assert first.status == "declined"
        handle = await operation.workflow_handle()
        again = await handle.execute_update(
            OrderWorkflow.retry_payment, PaymentMethod(SUCCESS, "visa", "4242")
        )
        assert again.status == "authorized"
        await handle.signal(OrderWorkflow.carrier_event, CarrierEvent("delivered", event_id="d1"))
        return await _finish_and_fetch(handle, "completed")

    # Then its history is written for the replay test
    (HISTORIES / "declined_then_paid.json").write_text(background_loop.run(scenario(), 60))


@recording
@pytest.mark.django_db(transaction=True)
def test_record_cancel_during_authorization_history(
    every_patch, order_worker, background_loop, settings
):
    # Given an order held inside the authorization (dev server: updates)
    settings.PAYMENT_GATEWAY = "tests.workflows.gateways.GatedGateway"
    GatedGateway.reset()
    order = make_order(quantity=1, stock=10)
    handle = background_loop.run(
        start(order_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10
    )
    assert GatedGateway.entered.wait(15)

    # When the customer cancels through the update
    async def scenario() -> str:
        update = await handle.start_update(
            OrderWorkflow.cancel,
            CancelRequest(actor="customer", reason="Changed my mind"),
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
        )
        GatedGateway.release.set()
        assert (await update.result()).cancelled
        return await _finish_and_fetch(handle, "cancelled")

    # Then its history is written for the replay test
    (HISTORIES / "cancel_during_authorization.json").write_text(
        background_loop.run(scenario(), timeout=60)
    )
