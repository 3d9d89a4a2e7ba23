"""``ReturnWorkflow``: one durable workflow per customer return (id ``return-<order>-<k>``).

open (where the return stands) -> "return requested" email (instructions, return tracking
number) -> approved at once (``auto_approve``) or wait for staff's decision (signal
``decide``; rejected -> email, done) -> wait for the parcel: the carrier's events for the
return's tracking number (signal ``carrier_event``: ``in_transit``, then ``delivered`` =
received) or staff's "mark received" with per-line conditions (signal ``receive``). Until the
parcel is on its way a durable timer runs to the return's ship-by time: nothing sent by then ->
expired, email, no refund. Once received: restockable units back to stock (in the same step),
the refund requested (``refunds.services.request_refund`` with the return's number: one refund
per return however often it is asked), "return received" email, then wait for the refund's end
(``await_return_refund``: an activity retried with backoff while the refund runs) -> refunded.

Why a polling activity and not a child workflow for the refund: the refund's own
``RefundWorkflow`` is started by ``request_refund`` (on commit, by the sweeper if Temporal is
down), so it exists whatever asked for it; a child would be a second start of it. Retries of
one activity add no history events while they wait (only the last attempt is recorded) and
show in the admin's panel as a pending activity with its attempt count.

Sandboxed and deterministic like ``OrderWorkflow``: no Django, activities by name, payloads in
``workflows.return_types``. A resumed or re-run workflow starts from the database's status
(``open_return``), every activity is idempotent by the return's number.

Patch log (every change to the command sequence goes behind ``workflow.patched(<id>)``):
none yet.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from workflows.return_types import (
        CONDITION_RESTOCK,
        ERROR_RETURN_REFUSED,
        FINAL_STATUSES,
        REFUND_SUCCEEDED,
        RETURN_QUERY_PROGRESS,
        RETURN_SIGNAL_CARRIER_EVENT,
        RETURN_SIGNAL_DECISION,
        RETURN_SIGNAL_RECEIPT,
        RETURN_WORKFLOW_NAME,
        STATUS_APPROVED,
        STATUS_IN_TRANSIT,
        STATUS_RECEIVED,
        STATUS_REQUESTED,
        ReturnDecision,
        ReturnInput,
        ReturnProgress,
        ReturnReceipt,
        ReturnState,
    )
    from workflows.types import (
        CARRIER_DELIVERED,
        CARRIER_IN_TRANSIT,
        CarrierEvent,
        StepRecord,
    )

EMAIL_STEP = "send_return_email"
REFUND_WAIT_STEP = "await_return_refund"


@workflow.defn(name=RETURN_WORKFLOW_NAME)
class ReturnWorkflow:
    def __init__(self) -> None:
        self._input: ReturnInput | None = None
        self._status = STATUS_REQUESTED
        self._current_step = "starting"
        self._steps: list[StepRecord] = []
        self._refund_number = ""
        self._decision: ReturnDecision | None = None
        self._receipt: ReturnReceipt | None = None
        self._carrier_events: list[CarrierEvent] = []
        self._seen_event_ids: set[str] = set()

    @workflow.run
    async def run(self, input: ReturnInput) -> str:
        self._input = input
        state = await self._step("open_return", result_type=ReturnState)
        self._status = state.status
        if self._status in FINAL_STATUSES:
            return self._finish()
        deadline = workflow.now() + timedelta(seconds=max(input.ship_by_seconds, 0.0))
        if self._status == STATUS_REQUESTED:
            await self._step(EMAIL_STEP, "return_requested")
            if not await self._decide(deadline):
                return self._finish()
        parcel_due = self._status in (STATUS_APPROVED, STATUS_IN_TRANSIT)
        if parcel_due and not await self._wait_for_parcel(deadline):
            return self._finish()
        if self._status == STATUS_RECEIVED:
            await self._refund()
        return self._finish()

    # --- approval --------------------------------------------------------------------------

    async def _decide(self, deadline: Any) -> bool:
        """Approved (at once or by staff): True. Rejected or expired waiting: False."""
        assert self._input is not None
        if self._input.auto_approve:
            self._status = await self._step("approve_return", "system")
            return True
        self._current_step = "awaiting_approval"
        if not await self._wait(lambda: self._decision is not None, deadline):
            await self._expire()
            return False
        decision = self._decision
        assert decision is not None
        if decision.approve:
            self._status = await self._step("approve_return", decision.actor)
            await self._step(EMAIL_STEP, "return_approved")
            return True
        self._status = await self._step("reject_return", decision.actor, decision.note)
        await self._step(EMAIL_STEP, "return_rejected")
        return False

    # --- the parcel ------------------------------------------------------------------------

    async def _wait_for_parcel(self, deadline: Any) -> bool:
        """Received: True (status ``received``). Not sent back in time: False (expired)."""
        while True:
            self._current_step = "awaiting_parcel"
            if self._carrier_events:
                event = self._carrier_events.pop(0)
                if event.status == CARRIER_IN_TRANSIT and self._status == STATUS_APPROVED:
                    self._status = await self._step("mark_return_in_transit", event)
                    self._steps[-1].detail = event.tracking_number
                elif event.status == CARRIER_DELIVERED:
                    self._receipt = self._receipt or ReturnReceipt(actor="carrier")
                continue
            if self._receipt is not None:
                receipt = self._receipt
                self._status = await self._step("receive_return", receipt)
                self._steps[-1].detail = _conditions_note(receipt)
                return True
            shipped = self._status == STATUS_IN_TRANSIT
            ready = await self._wait(
                lambda: bool(self._carrier_events) or self._receipt is not None,
                None if shipped else deadline,
            )
            if not ready:
                await self._expire()
                return False

    async def _expire(self) -> None:
        self._status = await self._step("expire_return")
        await self._step(EMAIL_STEP, "return_expired")

    # --- the refund ------------------------------------------------------------------------

    async def _refund(self) -> None:
        self._refund_number = await self._step("request_return_refund")
        self._steps[-1].detail = self._refund_number
        await self._step(EMAIL_STEP, "return_received")
        outcome = await self._step(REFUND_WAIT_STEP)
        self._steps[-1].detail = outcome
        self._status = await self._step("finish_return_refund", outcome == REFUND_SUCCEEDED)

    # --- plumbing --------------------------------------------------------------------------

    async def _wait(self, condition: Any, deadline: Any) -> bool:
        """Wait for ``condition`` until ``deadline`` (None: no end). False on timeout."""
        if deadline is None:
            await workflow.wait_condition(condition)
            return True
        remaining = deadline - workflow.now()
        if remaining <= timedelta(0):
            return bool(condition())
        try:
            await workflow.wait_condition(condition, timeout=remaining)
        except TimeoutError:
            return bool(condition())
        return True

    async def _step(self, activity: str, *args: Any, result_type: type | None = None) -> Any:
        assert self._input is not None
        config = self._input
        self._current_step = activity
        record = StepRecord(step=activity, status="started")
        self._steps.append(record)
        retry = RetryPolicy(
            initial_interval=timedelta(seconds=config.retry_initial_interval_seconds),
            backoff_coefficient=2.0,
            maximum_interval=timedelta(seconds=config.retry_maximum_interval_seconds),
            non_retryable_error_types=[ERROR_RETURN_REFUSED],
        )
        task_queue = config.email_task_queue if activity == EMAIL_STEP else ""
        try:
            result = await workflow.execute_activity(
                activity,
                args=[config.return_number, *args],
                result_type=result_type,
                task_queue=task_queue or None,
                start_to_close_timeout=timedelta(seconds=config.activity_timeout_seconds),
                retry_policy=retry,
            )
        except FailureError as err:
            record.status = "failed"
            cause = err.cause if isinstance(err.cause, ApplicationError) else err
            record.detail = str(getattr(cause, "message", "") or cause)
            raise
        record.status = "completed"
        if activity == EMAIL_STEP:
            record.detail = str(args[0])
        return result

    def _finish(self) -> str:
        self._current_step = "done"
        return self._status

    # --- messages --------------------------------------------------------------------------

    @workflow.query(name=RETURN_QUERY_PROGRESS)
    def progress(self) -> ReturnProgress:
        config = self._input
        return ReturnProgress(
            return_number=config.return_number if config else "",
            order_number=config.order_number if config else "",
            status=self._status,
            current_step=self._current_step,
            steps=[StepRecord(s.step, s.status, s.detail) for s in self._steps],
            refund_number=self._refund_number,
        )

    @workflow.signal(name=RETURN_SIGNAL_DECISION)
    def decide(self, decision: ReturnDecision) -> None:
        if self._decision is None:  # the first decision stands
            self._decision = decision

    @workflow.signal(name=RETURN_SIGNAL_RECEIPT)
    def receive(self, receipt: ReturnReceipt) -> None:
        if self._receipt is None:
            self._receipt = receipt

    @workflow.signal(name=RETURN_SIGNAL_CARRIER_EVENT)
    def carrier_event(self, event: CarrierEvent) -> None:
        if event.status not in (CARRIER_IN_TRANSIT, CARRIER_DELIVERED):
            return
        if event.event_id:
            if event.event_id in self._seen_event_ids:
                return
            self._seen_event_ids.add(event.event_id)
        self._carrier_events.append(event)


def _conditions_note(receipt: ReturnReceipt) -> str:
    damaged = [c for c in receipt.conditions if c.condition != CONDITION_RESTOCK]
    return f"by {receipt.actor}; {len(damaged)} line(s) damaged"
