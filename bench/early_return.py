"""The checkout benchmark's baseline, and the reading of its results.

``EarlyReturnWorkflow`` is the smallest workflow that answers an Update-with-Start after one
activity, as ``OrderWorkflow.payment_outcome`` answers after the card's authorization: the
update handler waits for the workflow's one no-op activity and returns its result, then the
workflow completes. No Django, no database; it runs in the workflow sandbox (the report
helpers below only run outside it).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from bench.common import table

WORKFLOW_NAME = "BenchEarlyReturnWorkflow"
UPDATE_NAME = "outcome"
VARIANTS = ("ours", "bare")
LABELS = {
    "ours": "checkout POST (OrderWorkflow.payment_outcome)",
    "bare": "Update-with-Start, 1 no-op activity (baseline)",
}
STATS = ("p50", "p95", "mean")


@activity.defn(name="bench_early_noop")
def early_noop(value: str) -> str:
    return value


@workflow.defn(name=WORKFLOW_NAME)
class EarlyReturnWorkflow:
    def __init__(self) -> None:
        self._answer: str | None = None

    @workflow.run
    async def run(self, value: str) -> str:
        self._answer = await workflow.execute_activity(
            early_noop, value, start_to_close_timeout=timedelta(seconds=30)
        )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._answer

    @workflow.update(name=UPDATE_NAME)
    async def outcome(self) -> str:
        """The activity's answer, as soon as it is there (the early return)."""
        await workflow.wait_condition(lambda: self._answer is not None)
        return self._answer or ""


# --- reading the results (outside the sandbox) --------------------------------------------


async def update_breakdown(client: Any, workflow_id: str) -> dict[str, float]:
    """Server-side seconds from the workflow's start to its update's completion: executing
    activities, running workflow tasks (local activities run inside them), workflow tasks
    waiting to be picked up; the answering task (the one whose completion carries the
    update's answer) alone; task and local activity counts up to the answer."""
    from temporalio.api.enums.v1 import EventType as E  # only outside the sandbox

    events = [e async for e in client.get_workflow_handle(workflow_id).fetch_history_events()]
    at = {e.event_id: e.event_time.ToDatetime() for e in events}
    done = next(
        e.event_id
        for e in events
        if e.event_type == E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED
    )
    answering = max(
        e.event_id
        for e in events
        if e.event_type == E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED and e.event_id < done
    )
    out = dict.fromkeys(("activities", "workflow_tasks", "waiting", "answering_task"), 0.0)
    out |= dict.fromkeys(("workflow_task_count", "activity_count", "local_activities"), 0)
    for e in events:
        if e.event_type == E.EVENT_TYPE_MARKER_RECORDED:  # recorded in its task's completion
            marker = e.marker_recorded_event_attributes
            if marker.marker_name == "core_local_activity":
                out["local_activities"] += marker.workflow_task_completed_event_id <= answering
        elif e.event_id > done:
            continue
        elif e.event_type == E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            started = e.activity_task_completed_event_attributes.started_event_id
            out["activities"] += (at[e.event_id] - at[started]).total_seconds()
            out["activity_count"] += 1
        elif e.event_type == E.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            scheduled = e.workflow_task_started_event_attributes.scheduled_event_id
            out["waiting"] += (at[e.event_id] - at[scheduled]).total_seconds()
        elif e.event_type == E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            started = e.workflow_task_completed_event_attributes.started_event_id
            out["workflow_tasks"] += (at[e.event_id] - at[started]).total_seconds()
            out["workflow_task_count"] += 1
            if e.event_id == answering:
                out["answering_task"] = (at[e.event_id] - at[started]).total_seconds()
    out["total"] = (at[done] - at[events[0].event_id]).total_seconds()
    return out


def ratios(latency: dict[str, dict[str, float]]) -> dict[str, float]:
    """Ours / the baseline, for each of p50, p95 and mean."""
    return {k: latency["ours"][k] / latency["bare"][k] for k in STATS}


def _ms(stats: dict[str, float]) -> list[str]:
    return [f"{1000 * stats[k]:.1f}" for k in STATS]


def report(result: dict) -> str:
    """The table: p50/p95/mean of both and the ratios, ours split into the Update-with-Start
    call and the rest of the POST; then the per-round ratios and the server-side breakdown."""
    latency = result["latency_seconds"]
    head = ["variant", "n", "p50 ms", "p95 ms", "mean ms", "ratio p50", "ratio p95", "ratio mean"]
    rows = [head]
    for v in VARIANTS:
        r = result["ratio"] if v == "ours" else dict.fromkeys(STATS, 1.0)
        rows.append([LABELS[v], str(latency[v]["n"]), *_ms(latency[v])])
        rows[-1] += [f"{r[k]:.2f}" for k in STATS]
    split = result["ours_split_seconds"]
    for key, label in (("update_with_start", "pay_at_checkout"), ("rest", "rest of the POST")):
        rows.append([f"  ours: {label}", str(split[key]["n"]), *_ms(split[key]), "", "", ""])
    per_round = ", ".join(f"{r:.2f}" for r in result["ratio_p50_per_round"])
    lines = [table(rows), "", f"ratio p50 per round: {per_round}"]
    if "load_average_1_5_15min" in result:
        load = result["load_average_1_5_15min"]
        lines.append(
            f"load average (1 min) before/after: {load['before'][0]:.1f}/{load['after'][0]:.1f}"
        )
    for v, b in result.get("breakdown_seconds", {}).items():
        lines.append(
            f"{v}, server side, start -> update answered {1000 * b['total']:.0f} ms: "
            f"activities {1000 * b['activities']:.0f}, workflow tasks "
            f"{1000 * b['workflow_tasks']:.0f} (answering task {1000 * b['answering_task']:.0f}),"
            f" tasks waiting {1000 * b['waiting']:.0f} ms; {b['workflow_task_count']:.0f} "
            f"workflow tasks, {b['activity_count']:.0f} activities, "
            f"{b['local_activities']:.0f} local activities"
        )
    return "\n".join(lines)
