"""Where a workflow's time goes, read from its Temporal history (server timestamps).

For one run up to the end of a given activity (the confirmation email, or the bare workflow's
last no-op): time spent executing activities, in workflow tasks (our workflow code in the
sandbox, plus local activities run inside them), and waiting in between (task queue,
server round trips).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

E = EventType


async def breakdown(
    client: Client, workflow_id: str, until_activity: str | None = None
) -> dict[str, Any]:
    """Timings (seconds) of ``workflow_id`` from start to the completion of the first
    ``until_activity`` (of the last activity when None or when that name never ran)."""
    events = [e async for e in client.get_workflow_handle(workflow_id).fetch_history_events()]
    completed = [e for e in events if e.event_type == E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED]
    last_id = completed[-1].event_id if completed else events[-1].event_id
    at = {e.event_id: e.event_time.ToDatetime() for e in events}
    start = at[events[0].event_id]
    names: dict[int, str] = {}
    activities: dict[str, float] = defaultdict(float)
    wft_run = wft_wait = 0.0
    wft_count = activity_count = marker_count = 0
    end = start
    for e in events:
        if e.event_type == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            names[e.event_id] = e.activity_task_scheduled_event_attributes.activity_type.name
        elif e.event_type == E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            attrs = e.activity_task_completed_event_attributes
            name = names[attrs.scheduled_event_id]
            activities[name] += (at[e.event_id] - at[attrs.started_event_id]).total_seconds()
            activity_count += 1
            end = at[e.event_id]
            if name == until_activity or e.event_id == last_id:
                break
        elif e.event_type == E.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            attrs = e.workflow_task_started_event_attributes
            wft_wait += (at[e.event_id] - at[attrs.scheduled_event_id]).total_seconds()
        elif e.event_type == E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            attrs = e.workflow_task_completed_event_attributes
            wft_run += (at[e.event_id] - at[attrs.started_event_id]).total_seconds()
            wft_count += 1
        elif e.event_type == E.EVENT_TYPE_MARKER_RECORDED:
            marker_count += 1
    total = (end - start).total_seconds()
    in_activities = sum(activities.values())
    return {
        "total": total,
        "activities": in_activities,
        "workflow_tasks": wft_run,
        "workflow_task_queue": wft_wait,
        "other": total - in_activities - wft_run - wft_wait,
        "per_activity": dict(activities),
        "workflow_task_count": wft_count,
        "activity_task_count": activity_count,
        "local_activity_count": marker_count,
    }


def median_breakdown(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of each timing over ``samples`` (counts from the first sample)."""
    if not samples:
        return {}
    keys = ("total", "activities", "workflow_tasks", "workflow_task_queue", "other")
    out: dict[str, Any] = {k: statistics.median(s[k] for s in samples) for k in keys}
    names = {n for s in samples for n in s["per_activity"]}
    out["per_activity"] = {
        n: statistics.median(s["per_activity"].get(n, 0.0) for s in samples) for n in sorted(names)
    }
    for k in ("workflow_task_count", "activity_task_count", "local_activity_count"):
        out[k] = samples[0][k]
    out["n"] = len(samples)
    return out
