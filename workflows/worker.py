"""The Temporal worker that runs ``OrderWorkflow`` and its activities.

Activities are sync functions (Django's ORM is sync) run on a thread pool of the same size as
``max_concurrent_activities``. ``runworker`` and the test fixtures build their worker here.
"""

from __future__ import annotations

import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import timedelta

from django.db import connections
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from workflows.activities import ALL_ACTIVITIES
from workflows.jobs import JOB_ACTIVITIES
from workflows.maintenance import MaintenanceWorkflow
from workflows.refund_activities import REFUND_ACTIVITIES
from workflows.refund_workflow import RefundWorkflow
from workflows.return_activities import RETURN_ACTIVITIES
from workflows.return_workflow import ReturnWorkflow
from workflows.workflow import OrderWorkflow

WORKFLOWS = [OrderWorkflow, MaintenanceWorkflow, ReturnWorkflow, RefundWorkflow]
ACTIVITIES = [*ALL_ACTIVITIES, *JOB_ACTIVITIES, *RETURN_ACTIVITIES, *REFUND_ACTIVITIES]

# The sandbox re-executes a workflow's module for every new run (to isolate module state):
# for OrderWorkflow that is its class body, ``@workflow.defn``'s signature and type-hint
# inspection and the update/query definitions, ~15% of the worker's CPU per order under load
# (bench/README.md, "Worker profile"). Its modules hold no state between runs (constants,
# frozensets, dataclasses; no Django, checked by tests/test_layout.py), so the worker passes
# them through: imported once, shared by all runs. Calls inside workflow code are still
# checked at run time where the sandbox proxies them, and tests/workflows/test_replay.py still
# replays every recorded history in the default, fully isolating sandbox.
ORDER_WORKFLOW_MODULES = (
    "workflows.workflow",
    "workflows.payment_stage",
    "workflows.scheduling",
    "workflows.search_attributes",
    "workflows.failures",
    "workflows.types",
    "orders.states",
)
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(*ORDER_WORKFLOW_MODULES)
)


class ActivityExecutor(ThreadPoolExecutor):
    """The activities' thread pool. Each thread keeps its own database connection between
    activities (``CONN_MAX_AGE``); ``close()`` closes them all and stops the threads, so a
    stopped worker leaves no idle connections behind."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="activity")

    def close(self, timeout: float = 10.0) -> None:
        threads = len(self._threads)
        if threads:
            barrier = threading.Barrier(threads)

            def _close() -> None:
                connections.close_all()
                # Hold this thread until every other one has taken a task too, so each
                # thread closes its own connection exactly once.
                barrier.wait(timeout)

            for future in [self.submit(_close) for _ in range(threads)]:
                future.result(timeout)
        self.shutdown(wait=True)


def create_worker(
    client: Client,
    *,
    task_queue: str,
    max_concurrent_activities: int = 10,
    activity_executor: Executor | None = None,
    graceful_shutdown_timeout: timedelta = timedelta(seconds=30),
    workflows: bool = True,
) -> Worker:
    """A worker for ``task_queue`` (not started: ``await worker.run()``): the workflows and
    every activity, or (``workflows=False``) only the activities, as the email queue's pool."""
    executor = activity_executor or ActivityExecutor(max_concurrent_activities)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS if workflows else [],
        activities=ACTIVITIES,
        activity_executor=executor,
        max_concurrent_activities=max_concurrent_activities,
        graceful_shutdown_timeout=graceful_shutdown_timeout,
        workflow_runner=WORKFLOW_RUNNER,
    )
