"""``RefundWorkflow``: one durable workflow per refund (id ``refund-<order>-<k>``).

execute refund (provider + ledger + order status, idempotent) -> credit note -> email. A refund
the provider refuses for good ends ``failed`` (the activity marked it so and alerted staff): no
credit note, no email. A credit note refused for good leaves its step ``failed`` in the
progress and the email goes without it (the money did go back). Every step retries with the
shop's retry policy (the order's timeouts and intervals, from ``RefundInput``); business errors
(``workflows.types.BUSINESS_ERROR_TYPES``) are not retried. The ``progress`` query says where
it is (the admin's refunds panel).

Sandboxed and deterministic like ``OrderWorkflow``: no Django; activities called by name.

Patch log (every change to the command sequence goes behind ``workflow.patched(<id>)``):

- (none yet)
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.refund_types import (
        QUERY_REFUND_PROGRESS,
        REFUND_FAILED,
        REFUND_SUCCEEDED,
        REFUND_WORKFLOW_NAME,
        RefundInput,
        RefundOutcome,
        RefundProgress,
        RefundResult,
    )
    from workflows.types import BUSINESS_ERROR_TYPES, StepRecord

EXECUTE = "execute_refund"
CREDIT_NOTE = "issue_refund_credit_note"
EMAIL = "send_refund_email"


@workflow.defn(name=REFUND_WORKFLOW_NAME)
class RefundWorkflow:
    def __init__(self) -> None:
        self._input: RefundInput | None = None
        self._current = "starting"
        self._status = "requested"
        self._steps: list[StepRecord] = []
        self._credit_note = ""
        self._failure = ""

    @workflow.run
    async def run(self, input: RefundInput) -> RefundResult:
        self._input = input
        try:
            outcome: RefundOutcome = await self._step(EXECUTE, input, RefundOutcome)
        except ActivityError as exc:
            self._status = REFUND_FAILED
            self._failure = str(exc.cause or exc)
            raise
        if outcome.status == REFUND_FAILED:
            self._status = REFUND_FAILED
            self._failure = outcome.failure_reason
            self._current = "failed"
            return RefundResult(input.refund_number, REFUND_FAILED, "", self._failure)
        self._status = REFUND_SUCCEEDED
        try:
            self._credit_note = await self._step(CREDIT_NOTE, input, str)
        except ActivityError:
            # Refused for good (invoices found the lines wrong): the money went back, so the
            # customer is still told; the failed step shows here and in the Temporal UI.
            self._credit_note = ""
        await self._step(EMAIL, input, bool, task_queue=input.email_task_queue or None)
        self._current = "done"
        return RefundResult(input.refund_number, REFUND_SUCCEEDED, self._credit_note)

    async def _step(
        self, name: str, input: RefundInput, result_type: type, task_queue: str | None = None
    ) -> Any:
        self._current = name
        self._steps.append(StepRecord(name, "started"))
        try:
            result = await workflow.execute_activity(
                name,
                args=[input.order_number, input.refund_number],
                result_type=result_type,
                task_queue=task_queue,
                start_to_close_timeout=timedelta(seconds=input.activity_timeout_seconds),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(seconds=input.retry_initial_interval_seconds),
                    backoff_coefficient=2.0,
                    maximum_interval=timedelta(seconds=input.retry_maximum_interval_seconds),
                    non_retryable_error_types=list(BUSINESS_ERROR_TYPES),
                ),
            )
        except ActivityError as exc:
            self._steps[-1] = StepRecord(name, "failed", str(exc.cause or exc))
            raise
        self._steps[-1] = StepRecord(name, "completed")
        return result

    @workflow.query(name=QUERY_REFUND_PROGRESS)
    def progress(self) -> RefundProgress:
        input = self._input
        return RefundProgress(
            order_number=input.order_number if input else "",
            refund_number=input.refund_number if input else "",
            current_step=self._current,
            status=self._status,
            steps=list(self._steps),
            credit_note=self._credit_note,
            failure_reason=self._failure,
        )
