"""The Temporal worker that runs ``OrderWorkflow`` and its activities.

Activities are sync functions (Django's ORM is sync) run on a thread pool of the same size as
``max_concurrent_activities``. ``runworker`` and the test fixtures build their worker here.
"""

from __future__ import annotations

from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from workflows.activities import ALL_ACTIVITIES
from workflows.workflow import OrderWorkflow

WORKFLOWS = [OrderWorkflow]
ACTIVITIES = list(ALL_ACTIVITIES)


def create_worker(
    client: Client,
    *,
    task_queue: str,
    max_concurrent_activities: int = 10,
    activity_executor: Executor | None = None,
    graceful_shutdown_timeout: timedelta = timedelta(seconds=30),
) -> Worker:
    """A worker for ``task_queue`` (not started: ``await worker.run()``)."""
    executor = activity_executor or ThreadPoolExecutor(
        max_workers=max_concurrent_activities, thread_name_prefix="activity"
    )
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=ACTIVITIES,
        activity_executor=executor,
        max_concurrent_activities=max_concurrent_activities,
        graceful_shutdown_timeout=graceful_shutdown_timeout,
    )
