"""Smoke tests of the checkout benchmark's code (not the benchmark: ``python -m bench.checkout``).
Fast, no servers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from bench import checkout, early_return
from bench.early_return import EarlyReturnWorkflow

E = EventType
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_early_return_baseline_is_a_valid_sandboxed_workflow():
    # given the benchmark's baseline workflow
    defn = workflow._Definition.must_from_class(EarlyReturnWorkflow)

    # when the sandbox validates it as a worker would
    async def prepare() -> None:
        SandboxedWorkflowRunner().prepare_workflow(defn)

    asyncio.run(prepare())
    # then it has its name and one update, the early return the benchmark calls
    assert defn.name == early_return.WORKFLOW_NAME
    assert set(defn.updates) == {early_return.UPDATE_NAME}
    assert early_return.early_noop("x") == "x"


def test_ratios_and_report_on_fixed_numbers():
    # given fixed latencies (seconds) for ours and the baseline
    latency = {
        "ours": {"n": 4, "p50": 0.120, "p95": 0.200, "mean": 0.150},
        "bare": {"n": 4, "p50": 0.060, "p95": 0.080, "mean": 0.075},
    }
    split = {
        "update_with_start": {"n": 4, "p50": 0.110, "p95": 0.180, "mean": 0.135},
        "rest": {"n": 4, "p50": 0.010, "p95": 0.020, "mean": 0.015},
    }
    # when the ratios and the report are computed
    ratio = early_return.ratios(latency)
    text = early_return.report(
        {
            "latency_seconds": latency,
            "ratio": ratio,
            "ratio_p50_per_round": [1.9, 2.1],
            "ours_split_seconds": split,
        }
    )
    # then each ratio is ours / baseline, and the table shows milliseconds and the ratios
    assert ratio == pytest.approx({"p50": 2.0, "p95": 2.5, "mean": 2.0})
    ours_row = next(line for line in text.splitlines() if line.startswith("checkout POST"))
    assert ours_row.split()[-6:] == ["120.0", "200.0", "150.0", "2.00", "2.50", "2.00"]
    bare_row = next(line for line in text.splitlines() if "baseline" in line)
    assert bare_row.split()[-3:] == ["1.00", "1.00", "1.00"]
    assert "110.0" in text and "ratio p50 per round: 1.90, 2.10" in text


def _event(event_id: int, ms: float, kind: int, **attrs: int | str) -> HistoryEvent:
    event = HistoryEvent(event_id=event_id, event_type=kind)
    event.event_time.FromDatetime(T0 + timedelta(milliseconds=ms))
    field = {
        E.EVENT_TYPE_WORKFLOW_TASK_STARTED: "workflow_task_started_event_attributes",
        E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: "workflow_task_completed_event_attributes",
        E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: "activity_task_completed_event_attributes",
        E.EVENT_TYPE_MARKER_RECORDED: "marker_recorded_event_attributes",
    }.get(kind)
    for name, value in attrs.items():
        setattr(getattr(event, field), name, value)
    return event


class _Client:
    def __init__(self, events: list[HistoryEvent]) -> None:
        self.events = events

    def get_workflow_handle(self, workflow_id: str) -> _Client:
        return self

    async def fetch_history_events(self):  # noqa: ANN201
        for event in self.events:
            yield event


def test_update_breakdown_on_a_fixed_history():
    # given a history shaped like ours: a first task with a local activity, one activity, an
    # answering task with one more local activity recorded after the update's completion
    la = "core_local_activity"
    events = [
        _event(1, 0, E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
        _event(2, 0, E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
        _event(3, 5, E.EVENT_TYPE_WORKFLOW_TASK_STARTED, scheduled_event_id=2),
        _event(4, 45, E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, started_event_id=3),
        _event(5, 45, E.EVENT_TYPE_MARKER_RECORDED, marker_name="core_patch"),
        _event(
            6, 45, E.EVENT_TYPE_MARKER_RECORDED, marker_name=la, workflow_task_completed_event_id=4
        ),
        _event(7, 45, E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
        _event(8, 46, E.EVENT_TYPE_ACTIVITY_TASK_STARTED),
        _event(9, 60, E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, started_event_id=8),
        _event(10, 60, E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
        _event(11, 63, E.EVENT_TYPE_WORKFLOW_TASK_STARTED, scheduled_event_id=10),
        _event(12, 88, E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, started_event_id=11),
        _event(13, 88, E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED),
        _event(
            14,
            88,
            E.EVENT_TYPE_MARKER_RECORDED,
            marker_name=la,
            workflow_task_completed_event_id=12,
        ),
        _event(15, 90, E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
        _event(16, 95, E.EVENT_TYPE_WORKFLOW_TASK_STARTED, scheduled_event_id=15),
        _event(17, 99, E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, started_event_id=16),
        _event(
            18,
            99,
            E.EVENT_TYPE_MARKER_RECORDED,
            marker_name=la,
            workflow_task_completed_event_id=17,
        ),
    ]
    # when it is broken down up to the update's answer
    out = asyncio.run(early_return.update_breakdown(_Client(events), "wf"))
    # then only what happened up to the answer counts, the answering task's local activity too
    assert out == pytest.approx(
        {
            "total": 0.088,
            "activities": 0.014,
            "workflow_tasks": 0.040 + 0.025,
            "waiting": 0.005 + 0.003,
            "answering_task": 0.025,
            "workflow_task_count": 2,
            "activity_count": 1,
            "local_activities": 2,
        }
    )


def test_checkout_args_defaults():
    # given / when no options are given / then 30 pairs in each of 2 rounds, after a warm-up
    args = checkout.parse_args([])
    assert (args.checkouts, args.rounds, args.warmup) == (30, 2, 3)
    assert args.database_url == "" and args.temporal_address == ""
    assert checkout.VARIANTS == ("ours", "bare")
