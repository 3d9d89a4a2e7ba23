"""A prototype, for the benchmark only: ``OrderWorkflow`` with some steps run as local
activities (same activity functions, same timeouts and retry policy).

A local activity runs inside the workflow task on the worker that runs the workflow: no
activity task round trip through the server and no extra workflow task per step, so
consecutive local steps cost one workflow task together. The trade-offs (why only short
database-only steps qualify) are in ``bench/README.md``.

Registered under the real workflow name on its own task queue, so ``place_order`` starts it
unchanged when ``TEMPORAL_TASK_QUEUE`` points at that queue.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.types import (
        BUSINESS_ERROR_TYPES,
        WORKFLOW_NAME,
        OrderInput,
        OrderResult,
        StepRecord,
    )

from workflows.workflow import STATUS_AFTER, OrderWorkflow, _error_message, _shielded

# Short, database-only, idempotent steps. Not charge_payment (a provider call that may be
# slow and retries with backoff; its attempts should stay visible as a pending activity) and
# not the emails (an SMTP call).
DEFAULT_LOCAL_STEPS = ("validate_order", "reserve_inventory", "create_shipment")


@workflow.defn(name=WORKFLOW_NAME)
class LocalStepsOrderWorkflow(OrderWorkflow):
    """``OrderWorkflow`` with ``local_steps`` run as local activities."""

    local_steps: frozenset[str] = frozenset(DEFAULT_LOCAL_STEPS)

    @workflow.run
    async def run(self, input: OrderInput) -> OrderResult:
        return await super().run(input)

    async def _step(self, activity: str, *args: Any, result_type: type | None = None) -> Any:
        # Same as OrderWorkflow._step, except for execute_local_activity on local steps.
        if activity not in self.local_steps:
            return await super()._step(activity, *args, result_type=result_type)
        self._current_step = activity
        record = StepRecord(step=activity, status="started")
        self._steps.append(record)
        config = self._config
        activity_run = workflow.execute_local_activity(
            activity,
            args=[self._order_number, *args],
            result_type=result_type,
            start_to_close_timeout=timedelta(seconds=config.activity_timeout_seconds),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=config.retry_initial_interval_seconds),
                backoff_coefficient=2.0,
                maximum_interval=timedelta(seconds=config.retry_maximum_interval_seconds),
                non_retryable_error_types=list(BUSINESS_ERROR_TYPES),
            ),
        )
        try:
            result = await _shielded(activity_run, on_cancel=self._on_temporal_cancel)
        except ActivityError as err:
            record.status = "failed"
            record.detail = _error_message(err)
            raise
        record.status = "completed"
        if activity in STATUS_AFTER:
            self._status = STATUS_AFTER[activity]
        return result
