"""How ``OrderWorkflow`` schedules a step: timeouts and retries from the order's settings, a
local activity for the short database-only steps (patch ``local-db-steps``).

Sandboxed like the workflow (no Django): it runs inside the workflow's task.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.types import BUSINESS_ERROR_TYPES, WorkflowConfig

# Short, database-only, idempotent steps run as local activities (patch ``local-db-steps``).
# Not the payment steps (provider calls that may be slow and retry with backoff: their
# attempts stay visible as pending activities) nor the emails (SMTP).
LOCAL_STEPS = frozenset(
    {"validate_order", "reserve_inventory", "create_shipment", "release_voucher", "issue_invoice"}
)
LOCAL_STEPS_PATCH = "local-db-steps"
# A local step retries inside the workflow (backoffs over a minute become timers) until this
# bound; then it fails like a business error and the order is compensated.
LOCAL_STEP_SCHEDULE_TO_CLOSE = timedelta(hours=1)
# The steps that talk to the mail server run on ``config.email_task_queue`` when it is set
# (patch ``email-task-queue``).
EMAIL_STEPS = frozenset(
    {
        "send_confirmation_email",
        "send_delivery_email",
        "send_failure_email",
        "send_cancellation_email",
        "record_delivery_overdue",
        "record_compensation_failed",
    }
)
EMAIL_TASK_QUEUE_PATCH = "email-task-queue"
# Database-only regular steps finish in milliseconds: a short start-to-close bounds how long a
# task lost with a stopping or crashed worker waits before another worker retries it.
SHORT_STEPS = frozenset(
    {
        "apply_carrier_event",
        "complete_order",
        "release_inventory",
        "mark_order_failed",
        "mark_order_cancelled",
    }
)
SHORT_STEP_TIMEOUT = timedelta(seconds=10)


def schedule_step(
    activity: str,
    args: list[Any],
    *,
    config: WorkflowConfig,
    local_steps: frozenset[str],
    result_type: type | None = None,
) -> Awaitable[Any]:
    """Schedule ``activity``: a local activity for ``local_steps`` (once patched), else a
    regular one; same timeout and retry policy either way."""
    start_to_close = timedelta(seconds=config.activity_timeout_seconds)
    if activity in SHORT_STEPS:
        start_to_close = min(start_to_close, SHORT_STEP_TIMEOUT)
    retry_policy = RetryPolicy(
        initial_interval=timedelta(seconds=config.retry_initial_interval_seconds),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(seconds=config.retry_maximum_interval_seconds),
        non_retryable_error_types=list(BUSINESS_ERROR_TYPES),
    )
    if activity in local_steps and workflow.patched(LOCAL_STEPS_PATCH):
        return workflow.execute_local_activity(
            activity,
            args=args,
            result_type=result_type,
            start_to_close_timeout=start_to_close,
            schedule_to_close_timeout=max(LOCAL_STEP_SCHEDULE_TO_CLOSE, start_to_close),
            retry_policy=retry_policy,
        )
    task_queue = None
    if (
        activity in EMAIL_STEPS
        and config.email_task_queue
        and workflow.patched(EMAIL_TASK_QUEUE_PATCH)
    ):
        task_queue = config.email_task_queue
    return workflow.execute_activity(
        activity,
        args=args,
        result_type=result_type,
        task_queue=task_queue,
        start_to_close_timeout=start_to_close,
        retry_policy=retry_policy,
    )
