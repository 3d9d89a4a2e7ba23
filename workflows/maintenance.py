"""``MaintenanceWorkflow``: one periodic job, started by a Temporal Schedule.

Each schedule (``workflows.schedules``) starts this workflow with a job name; the workflow runs
the activity of that name (``workflows.jobs``) once, with a few retries. The jobs: start the
orders without a workflow (the sweeper), delete stale anonymous carts, reconcile payments.

Sandboxed like ``OrderWorkflow``: no Django, the activity is called by name.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

MAINTENANCE_WORKFLOW = "MaintenanceWorkflow"
JOB_SWEEP = "sweep_pending_orders"
JOB_STALE_CARTS = "clear_stale_carts"
JOB_RECONCILE = "reconcile_payments"
JOBS = (JOB_SWEEP, JOB_STALE_CARTS, JOB_RECONCILE)


@workflow.defn(name=MAINTENANCE_WORKFLOW)
class MaintenanceWorkflow:
    @workflow.run
    async def run(self, job: str) -> str:
        return await workflow.execute_activity(
            job,
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=5),
                maximum_interval=timedelta(minutes=1),
                maximum_attempts=3,
            ),
            result_type=str,
        )
