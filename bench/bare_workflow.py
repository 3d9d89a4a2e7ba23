"""The baseline: a bare workflow with as many no-op activities as the order has steps up to the
confirmation email (validate, reserve, charge, ship, confirm). No Django, no database.

The benchmark's clock for an order stops when the confirmation email is sent, i.e. inside
its fifth activity; for the same clock here the last no-op notes when it ran (``wait_done``),
so neither side counts the workflow task that follows its last step.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from temporalio import activity, workflow

BARE_STEPS = 5

_done: dict[str, float] = {}
_done_changed = threading.Condition()


@activity.defn(name="bench_noop")
def noop(step: int) -> int:
    if step == BARE_STEPS - 1:
        with _done_changed:
            _done[activity.info().workflow_id] = time.perf_counter()
            _done_changed.notify_all()
    return step


def wait_done(workflow_ids: list[str], timeout: float) -> float:
    """Block until the last no-op of every workflow ran; the latest ``perf_counter`` time."""
    deadline = time.monotonic() + timeout
    with _done_changed:
        while not all(wid in _done for wid in workflow_ids):
            left = deadline - time.monotonic()
            if left <= 0:
                missing = sum(1 for wid in workflow_ids if wid not in _done)
                raise TimeoutError(f"{missing} bare workflows unfinished after {timeout}s")
            _done_changed.wait(left)
        return max(_done.pop(wid) for wid in workflow_ids)


@workflow.defn(name="BenchBareWorkflow")
class BareWorkflow:
    @workflow.run
    async def run(self, steps: int) -> int:
        for step in range(steps):
            await workflow.execute_activity(
                "bench_noop", step, start_to_close_timeout=timedelta(seconds=30)
            )
        return steps
