"""The baseline: a bare workflow with as many no-op *remote* activities as the order has up to
the confirmation email. No Django, no database.

Counted from ``workflows/workflow.py``, ``workflows/payment_stage.py`` and
``workflows/scheduling.LOCAL_STEPS`` (issue 20): validate_order, reserve_inventory and
create_shipment are local activities (they run inside workflow tasks); the remote ones are
authorize_payment, capture_payment and send_confirmation_email: 3. (Before issue 20 the
baseline had 5, one per step, local or not.) The integrator's ``issue_invoice`` is local too.

The benchmark's clock for an order stops when the confirmation email is sent, i.e. inside
its last activity; for the same clock here the last no-op notes when it ran (``wait_done``),
so neither side counts the workflow task that follows its last step.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

BARE_STEPS = 3
# Imported once, not re-executed per run: as the shop's worker runs OrderWorkflow's modules.
BARE_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(__name__)
)

_done: dict[str, float] = {}
_done_changed = threading.Condition()


@activity.defn(name="bench_noop")
def noop(step: int, steps: int = BARE_STEPS) -> int:
    if step == steps - 1:
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
                "bench_noop", args=[step, steps], start_to_close_timeout=timedelta(seconds=30)
            )
        return steps
