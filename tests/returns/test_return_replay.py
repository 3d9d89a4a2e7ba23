"""Recorded ``ReturnWorkflow`` histories replay against the current code (returns in flight
survive a deploy). Re-record after a deliberate, patched change::

    RECORD_HISTORIES=1 .venv/bin/pytest tests/returns/test_return_replay.py -k record

and commit ``tests/workflows/histories/return_*.json`` beside the old ones.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from orders.models import Order
from returns.models import ReturnRequest
from returns.services import staff
from returns.services.requesting import request_return
from tests.returns.factories import delivered_order
from tests.workflows.helpers import make_order, start, wait_for
from workflows.return_types import RETURN_WORKFLOW_NAME, ReturnInput, return_workflow_id
from workflows.return_workflow import ReturnWorkflow
from workflows.types import CarrierEvent
from workflows.worker import WORKFLOWS
from workflows.workflow import OrderWorkflow

HISTORIES = Path(__file__).resolve().parent.parent / "workflows" / "histories"
RETURN_HISTORIES = sorted(p.name for p in HISTORIES.glob("return_*.json"))

pytestmark = pytest.mark.temporal


def _history(name: str) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"replay-{name}", (HISTORIES / name).read_text())


@pytest.mark.parametrize("name", RETURN_HISTORIES)
def test_recorded_return_history_replays(name, background_loop):
    # Given a history recorded by an earlier version of ReturnWorkflow
    history = _history(name)
    # When it is replayed against the current code
    result = background_loop.run(Replayer(workflows=WORKFLOWS).replay_workflow(history), 60)
    # Then the replay finds no non-determinism
    assert result.replay_failure is None


def test_the_return_histories_are_committed():
    # Given / When the folder is listed / Then each recorded scenario is there
    assert RETURN_HISTORIES == [
        "return_damaged_by_staff.json",
        "return_expired.json",
        "return_happy_path.json",
        "return_rejected.json",
    ]


@workflow.defn(name=RETURN_WORKFLOW_NAME, sandboxed=False)
class CarelessReturnWorkflow:
    """A careless change: refunds before restocking, without a patch."""

    @workflow.run
    async def run(self, input: ReturnInput) -> str:
        for name in ("open_return", "request_return_refund", "receive_return"):
            await workflow.execute_activity(
                name, input.return_number, start_to_close_timeout=timedelta(seconds=30)
            )
        return "refunded"


def test_an_unpatched_change_fails_the_replay(background_loop):
    # Given the recorded happy path / When replayed against a reordered workflow
    replayer = Replayer(workflows=[CarelessReturnWorkflow])
    # Then it fails with a non-determinism error
    with pytest.raises(NondeterminismError):
        background_loop.run(replayer.replay_workflow(_history("return_happy_path.json")), 60)


# --- recorders ---------------------------------------------------------------------------------

recording = pytest.mark.skipif(
    not os.environ.get("RECORD_HISTORIES"), reason="set RECORD_HISTORIES=1 to re-record"
)


def _delivered(client, background_loop, task_queue: str, **options) -> Order:
    order = make_order(**options)

    async def scenario() -> str:
        handle = await start(client, order, task_queue)
        await handle.signal(OrderWorkflow.carrier_event, CarrierEvent("delivered", event_id="d1"))
        return (await handle.result()).status

    assert background_loop.run(scenario(), timeout=60) == "completed"
    return order


async def _fetch(client, order_number: str, expected: str) -> str:
    handle = client.get_workflow_handle(return_workflow_id(order_number, 1))
    assert await handle.result() == expected
    return (await handle.fetch_history()).to_json()


@recording
@pytest.mark.django_db(transaction=True)
def test_record_return_happy_path(django_on_time_skipping, background_loop, settings):
    # Given a delivered, captured order and a return of one unit
    client = django_on_time_skipping.client
    order = _delivered(client, background_loop, settings.TEMPORAL_TASK_QUEUE, quantity=2)
    ret = request_return(order.number, {order.lines.get().pk: 1}, "Too small")

    # When the carrier reports it in transit, then delivered back
    async def scenario() -> str:
        handle = client.get_workflow_handle(return_workflow_id(order.number, 1))
        for status, event_id in (("in_transit", "r1"), ("delivered", "r2")):
            await handle.signal(
                ReturnWorkflow.carrier_event,
                CarrierEvent(status, tracking_number=ret.tracking_number, event_id=event_id),
            )
        return await _fetch(client, order.number, "refunded")

    # Then its history is written
    (HISTORIES / "return_happy_path.json").write_text(background_loop.run(scenario(), 60))


@recording
@pytest.mark.django_db(transaction=True)
def test_record_return_damaged_by_staff(django_on_time_skipping, background_loop, settings):
    # Given a delivered order of two lines and a return of one unit of each
    client = django_on_time_skipping.client
    order = _delivered(client, background_loop, settings.TEMPORAL_TASK_QUEUE, lines=2)
    first, second = order.lines.order_by("pk")
    ret = request_return(order.number, {first.pk: 1, second.pk: 1}, "Broken")
    wait_for(lambda: ReturnRequest.objects.get(pk=ret.pk).status == "approved", timeout=30)

    # When staff mark it received, the first line damaged
    ret.refresh_from_db()
    assert staff.mark_received(ret, {first.pk: "damaged"}, actor="ops@example.com").ok

    # Then its history is written
    (HISTORIES / "return_damaged_by_staff.json").write_text(
        background_loop.run(_fetch(client, order.number, "refunded"), 60)
    )


@recording
@pytest.mark.django_db(transaction=True)
def test_record_return_expired(django_on_time_skipping, time_skipping_env, background_loop):
    # Given a return never sent back
    order = delivered_order(quantities=(1,))
    ret = request_return(order.number, {order.lines.get().pk: 1}, "Too small")
    wait_for(lambda: ReturnRequest.objects.get(pk=ret.pk).status == "approved", timeout=30)

    # When its ship-by time passes
    async def scenario() -> str:
        await time_skipping_env.sleep(timedelta(days=15))
        return await _fetch(django_on_time_skipping.client, order.number, "expired")

    # Then its history is written
    (HISTORIES / "return_expired.json").write_text(background_loop.run(scenario(), 60))


@recording
@pytest.mark.django_db(transaction=True)
def test_record_return_rejected(django_on_time_skipping, background_loop, settings):
    # Given returns reviewed by staff and one waiting
    settings.RETURNS_AUTO_APPROVE = False
    order = delivered_order(quantities=(1,))
    ret = request_return(order.number, {order.lines.get().pk: 1}, "Worn")

    # When staff reject it
    assert staff.decide(ret, approve=False, actor="ops@example.com", note="Worn items.").ok

    # Then its history is written
    (HISTORIES / "return_rejected.json").write_text(
        background_loop.run(_fetch(django_on_time_skipping.client, order.number, "rejected"), 60)
    )
