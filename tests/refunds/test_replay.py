"""Recorded ``RefundWorkflow`` histories replay against the current code.

Record them again after a deliberate, patched change (keep the old files: refunds in flight)::

    RECORD_HISTORIES=1 .venv/bin/pytest tests/refunds/test_replay.py -k record

``tests/workflows/test_replay.py`` replays them too (every history with every workflow).
"""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from orders.models import Payment
from refunds.models import Refund
from refunds.services import request_refund
from tests.refunds.factories import captured_order
from tests.workflows.helpers import wait_for
from workflows.refund_client import refund_input
from workflows.refund_types import (
    REFUND_WORKFLOW_NAME,
    RefundInput,
    RefundResult,
    refund_workflow_id,
)
from workflows.refund_workflow import RefundWorkflow

HISTORIES = Path(__file__).resolve().parent.parent / "workflows" / "histories"
pytestmark = pytest.mark.temporal


@pytest.mark.parametrize("name", sorted(p.name for p in HISTORIES.glob("refund_*.json")))
def test_recorded_refund_history_replays(name, background_loop):
    # Given a refund history recorded by an earlier version of the workflow
    history = WorkflowHistory.from_json(name, (HISTORIES / name).read_text())

    # When it is replayed against the current RefundWorkflow
    replayer = Replayer(workflows=[RefundWorkflow])
    result = background_loop.run(replayer.replay_workflow(history), timeout=60)

    # Then it replays without non-determinism
    assert result.replay_failure is None


def test_refund_histories_are_committed():
    # Given / When the histories folder is listed / Then both refund paths are there
    assert (HISTORIES / "refund_succeeded.json").exists()
    assert (HISTORIES / "refund_failed.json").exists()


@workflow.defn(name=REFUND_WORKFLOW_NAME, sandboxed=False)
class CarelessRefundWorkflow:
    """A careless change: emails before refunding."""

    @workflow.run
    async def run(self, input: RefundInput) -> RefundResult:
        for name in ("send_refund_email", "execute_refund"):
            await workflow.execute_activity(
                name,
                args=[input.order_number, input.refund_number],
                start_to_close_timeout=timedelta(seconds=30),
            )
        return RefundResult(input.refund_number, "succeeded")


def test_an_unpatched_change_fails_the_refund_replay(background_loop):
    # Given the recorded successful refund
    history = WorkflowHistory.from_json("refund", (HISTORIES / "refund_succeeded.json").read_text())

    # When it is replayed against a workflow whose steps were reordered without a patch
    replayer = Replayer(workflows=[CarelessRefundWorkflow])

    # Then the replay fails with a non-determinism error
    with pytest.raises(NondeterminismError):
        background_loop.run(replayer.replay_workflow(history), timeout=60)


recording = pytest.mark.skipif(
    not os.environ.get("RECORD_HISTORIES"), reason="set RECORD_HISTORIES=1 to re-record"
)


def _record(client, refund: Refund, background_loop, path: Path, expected: str) -> None:
    async def fetch() -> str:
        handle = client.get_workflow_handle_for(
            RefundWorkflow.run, refund_workflow_id(refund.number)
        )
        result = await handle.result()
        assert result.status == expected
        return (await handle.fetch_history()).to_json()

    path.write_text(background_loop.run(fetch(), timeout=60))


@recording
@pytest.mark.django_db(transaction=True)
def test_record_refund_succeeded_history(order_worker, background_loop):
    # Given a delivered order / When staff refund one unit through the workflow
    order = captured_order()
    refund = request_refund(
        order.number, lines={order.lines.get().pk: 1}, reason="Broken", actor="staff@example.com"
    )
    assert refund_input(order.number, refund.number).refund_number == refund.number

    # Then its history is written for the replay tests
    _record(
        order_worker.client,
        refund,
        background_loop,
        HISTORIES / "refund_succeeded.json",
        "succeeded",
    )


@recording
@pytest.mark.django_db(transaction=True)
def test_record_refund_failed_history(order_worker, background_loop):
    # Given a delivered order whose capture the provider no longer knows
    order = captured_order()
    Payment.objects.filter(order=order, kind="capture").update(gateway_reference="ca_gone")

    # When staff refund 5.00 through the workflow (the provider refuses)
    refund = request_refund(
        order.number, amount=Decimal("5.00"), reason="Goodwill", actor="staff@example.com"
    )
    wait_for(lambda: Refund.objects.get(pk=refund.pk).status == "failed", timeout=20)

    # Then its history is written for the replay tests
    _record(
        order_worker.client, refund, background_loop, HISTORIES / "refund_failed.json", "failed"
    )
