"""``OrderWorkflow``: one durable workflow per order (id ``order-<number>``).

validate -> reserve inventory -> charge -> create shipment -> confirmation email -> wait for
delivery (carrier events by signal; overdue alert after the delivery timeout, then keep
waiting) -> delivery email -> complete. Business failures (non-retryable ``ApplicationError``s
with a type) and cancellation (the ``cancel`` update, or a Temporal cancel request) run the
compensations in reverse (refund, release stock) shielded from cancellation, mark the order
failed/cancelled and email the customer.

This module is sandboxed and deterministic: no Django, no I/O, no clock but ``workflow.now()``.
Activities are called by name; their payloads live in ``workflows.types``. Settings the
workflow needs (delivery timeout, activity timeout, retry intervals) come from the result of
``validate_order`` so they are recorded in history.

Changing this code while orders are in flight
---------------------------------------------
Running workflows replay their history against the current code, so any change to the
sequence of commands (activities, timers, their order) must be guarded::

    if workflow.patched("ship-before-email"):   # new code path
        ...
    else:                                       # what old histories recorded
        ...

Once no workflow started before the change is still running, replace ``patched`` with
``workflow.deprecate_patch("ship-before-email")`` and drop the old branch; later remove the
call. Keep the ids here as a log:

- ``local-db-steps``: ``validate_order``, ``reserve_inventory`` and ``create_shipment`` run as
  local activities (inside the workflow task: no activity task round trip, no extra workflow
  task per step; ``bench/README.md``). Histories recorded before it scheduled regular
  activities there; the decision is taken once per run, at ``validate_order``.

``tests/workflows/histories/*.json`` are recorded histories replayed in CI
(``tests/workflows/test_replay.py``): if a change makes them fail, it needs a patch. Record a
new history after a deliberate change (see that test's docstring).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError, FailureError

with workflow.unsafe.imports_passed_through():
    from workflows.types import (
        BUSINESS_ERROR_TYPES,
        CARRIER_DELIVERED,
        CARRIER_STATUSES,
        QUERY_PROGRESS,
        SIGNAL_CARRIER_EVENT,
        UPDATE_CANCEL,
        WORKFLOW_NAME,
        CancelRequest,
        CancelResult,
        CarrierEvent,
        OrderInput,
        OrderResult,
        Progress,
        ShipmentInfo,
        StepRecord,
        ValidationResult,
    )

T = TypeVar("T")

FINAL_STATUSES = ("completed", "failed", "cancelled")
# The order status each forward step leaves behind (what the activity wrote to the database).
STATUS_AFTER = {
    "validate_order": "validated",
    "reserve_inventory": "reserved",
    "charge_payment": "paid",
    "create_shipment": "shipped",
    "complete_order": "completed",
}
SHIPPED_REFUSAL = "The order has already shipped and can no longer be cancelled."

# Short, database-only, idempotent steps run as local activities (patch ``local-db-steps``).
# Not charge_payment (a provider call that may be slow and retries with backoff: its attempts
# stay visible as a pending activity) nor the emails (SMTP).
LOCAL_STEPS = frozenset({"validate_order", "reserve_inventory", "create_shipment"})
LOCAL_STEPS_PATCH = "local-db-steps"
# A local step retries inside the workflow (backoffs over a minute become timers) until this
# bound; then it fails like a business error and the order is compensated.
LOCAL_STEP_SCHEDULE_TO_CLOSE = timedelta(hours=1)


class _CancelRequested(Exception):
    """Raised at a step boundary once the ``cancel`` update was accepted."""


@workflow.defn(name=WORKFLOW_NAME)
class OrderWorkflow:
    local_steps: frozenset[str] = LOCAL_STEPS

    def __init__(self) -> None:
        self._order_number = ""
        self._status = "received"
        self._current_step = "starting"
        self._steps: list[StepRecord] = []
        self._failure_reason = ""
        self._config = ValidationResult(order_number="", status="received")
        self._cancel: CancelRequest | None = None
        self._cancel_result: CancelResult | None = None
        self._shipping_started = False
        self._closing = False
        self._finished = False
        self._overdue = False
        self._delivered = False
        self._carrier_events: list[CarrierEvent] = []
        self._seen_event_ids: set[str] = set()

    # --- main path ---------------------------------------------------------------------------

    @workflow.run
    async def run(self, input: OrderInput) -> OrderResult:
        self._order_number = input.order_number
        compensations: list[str] = []
        try:
            self._config = await self._step("validate_order", result_type=ValidationResult)
            if self._config.status in FINAL_STATUSES:
                self._status = self._config.status
                return await self._finish()
            self._check_cancel()
            compensations.append("release_inventory")
            await self._step("reserve_inventory")
            self._check_cancel()
            compensations.append("refund_payment")
            await self._step("charge_payment")
            self._check_cancel()
            self._shipping_started = True  # from here on the cancel validator refuses
            shipment: ShipmentInfo = await self._step("create_shipment", result_type=ShipmentInfo)
        except _CancelRequested:
            return await self._close(compensations, cancelled=True)
        except ActivityError as err:
            return await self._close(compensations, error=err)
        except asyncio.CancelledError:  # a Temporal cancel request outside a step
            self._on_temporal_cancel()
            return await self._close(compensations, cancelled=True)

        self._steps[-1].detail = f"{shipment.carrier} {shipment.tracking_number}"
        await self._step("send_confirmation_email")
        await self._wait_for_delivery()
        await self._step("send_delivery_email")
        await self._step("complete_order")
        return await self._finish()

    def _on_temporal_cancel(self) -> None:
        """A Temporal cancel request (admin, CLI) arrived: treat it like the ``cancel`` update
        if the order can still be cancelled; after shipment it is only noted."""
        if self._cancel is None and not self._shipping_started and not self._closing:
            self._cancel = CancelRequest(actor="system", reason="Cancelled through Temporal.")
        else:
            workflow.logger.warning("Cancel request ignored: the order can no longer be cancelled")

    def _check_cancel(self) -> None:
        if self._cancel is not None:
            raise _CancelRequested()

    async def _step(self, activity: str, *args: Any, result_type: type | None = None) -> Any:
        """Run one activity as a visible step (recorded in the progress history)."""
        self._current_step = activity
        record = StepRecord(step=activity, status="started")
        self._steps.append(record)
        activity_run = self._schedule(activity, [self._order_number, *args], result_type)
        try:
            # A step always runs to its end: a Temporal cancel request is noted and acted on
            # at the next step boundary (a sync activity can't be interrupted anyway, and a
            # compensation must never run beside the step it compensates).
            result = await _shielded(activity_run, on_cancel=self._on_temporal_cancel)
        except FailureError as err:
            error = _as_activity_error(activity, err)
            if not isinstance(error, ActivityError):
                raise
            record.status = "failed"
            record.detail = _error_message(error)
            if error is err:
                raise
            raise error from err
        record.status = "completed"
        if activity in STATUS_AFTER:
            self._status = STATUS_AFTER[activity]
        return result

    def _schedule(self, activity: str, args: list[Any], result_type: type | None) -> Awaitable[Any]:
        """Schedule ``activity``: a local activity for ``LOCAL_STEPS`` (once patched), else a
        regular one; same timeout and retry policy either way."""
        config = self._config
        start_to_close = timedelta(seconds=config.activity_timeout_seconds)
        retry_policy = RetryPolicy(
            initial_interval=timedelta(seconds=config.retry_initial_interval_seconds),
            backoff_coefficient=2.0,
            maximum_interval=timedelta(seconds=config.retry_maximum_interval_seconds),
            non_retryable_error_types=list(BUSINESS_ERROR_TYPES),
        )
        if activity in self.local_steps and workflow.patched(LOCAL_STEPS_PATCH):
            return workflow.execute_local_activity(
                activity,
                args=args,
                result_type=result_type,
                start_to_close_timeout=start_to_close,
                schedule_to_close_timeout=max(LOCAL_STEP_SCHEDULE_TO_CLOSE, start_to_close),
                retry_policy=retry_policy,
            )
        return workflow.execute_activity(
            activity,
            args=args,
            result_type=result_type,
            start_to_close_timeout=start_to_close,
            retry_policy=retry_policy,
        )

    # --- delivery ------------------------------------------------------------------------------

    async def _wait_for_delivery(self) -> None:
        self._current_step = "awaiting_delivery"
        timeout = timedelta(seconds=self._config.delivery_timeout_seconds)
        deadline = workflow.now() + timeout
        while not self._delivered:
            if self._carrier_events:
                event = self._carrier_events.pop(0)
                status = await self._step("apply_carrier_event", event)
                self._steps[-1].detail = event.status
                self._status = status
                if event.status == CARRIER_DELIVERED:
                    self._delivered = True
                self._current_step = "awaiting_delivery"
                continue
            remaining = None if self._overdue else deadline - workflow.now()
            try:
                if remaining is not None and remaining <= timedelta(0):
                    raise TimeoutError()
                await workflow.wait_condition(lambda: bool(self._carrier_events), timeout=remaining)
            except asyncio.CancelledError:  # shipped: nothing to undo, keep waiting
                self._on_temporal_cancel()
            except TimeoutError:
                self._overdue = True
                days = self._config.delivery_timeout_seconds / 86400.0
                await self._step("record_delivery_overdue", days)
                self._current_step = "awaiting_delivery"

    # --- endings -------------------------------------------------------------------------------

    async def _close(
        self,
        compensations: list[str],
        *,
        cancelled: bool = False,
        error: ActivityError | None = None,
    ) -> OrderResult:
        """Compensate in reverse, mark the order failed/cancelled, email the customer. Shielded:
        a cancel request arriving meanwhile does not interrupt it."""
        self._closing = True
        if error is not None:
            self._failure_reason = _error_message(error)
        await _shielded(self._compensate_and_mark(compensations, cancelled, error))
        return await self._finish()

    async def _compensate_and_mark(
        self, compensations: list[str], cancelled: bool, error: ActivityError | None
    ) -> None:
        refund_reference = ""
        failures: list[str] = []
        for activity in reversed(compensations):
            try:
                result = await self._step(activity)
            except ActivityError as err:
                # Failed for good (e.g. the provider refused the refund): carry on with the
                # other undo steps, close the order and alert staff instead of getting stuck.
                failures.append(f"{activity}: {_error_message(err)}")
                continue
            self._steps[-1].status = "compensated"
            if activity == "refund_payment":
                refund_reference = result
        if failures:
            await self._step("record_compensation_failed", failures)
        if cancelled:
            request = self._cancel or CancelRequest(actor="system")
            self._status = await self._step("mark_order_cancelled", request.actor, request.reason)
            self._failure_reason = request.reason or f"Cancelled by {request.actor}."
            await self._step("send_cancellation_email")
            if any(f.startswith("refund_payment:") for f in failures):
                message = (
                    "Order cancelled, but the refund could not be completed automatically: "
                    "our staff have been alerted and will refund you."
                )
            elif refund_reference:
                message = f"Order cancelled and refunded (refund {refund_reference})."
            else:
                message = "Order cancelled; nothing was charged."
            self._cancel_result = CancelResult(cancelled=True, message=message)
        else:
            error_type = _error_type(error) if error else "Error"
            self._status = await self._step("mark_order_failed", self._failure_reason, error_type)
            await self._step("send_failure_email")

    async def _finish(self) -> OrderResult:
        self._finished = True
        self._current_step = "done"
        if self._cancel is not None and self._cancel_result is None:
            self._cancel_result = CancelResult(
                cancelled=False, message=f"The order is already {self._status}."
            )
        # Let a pending update handler return before the workflow completes.
        await _shielded(workflow.wait_condition(workflow.all_handlers_finished))
        return OrderResult(
            order_number=self._order_number,
            status=self._status,
            failure_reason=self._failure_reason,
        )

    # --- messages ------------------------------------------------------------------------------

    @workflow.query(name=QUERY_PROGRESS)
    def progress(self) -> Progress:
        return Progress(
            order_number=self._order_number,
            current_step=self._current_step,
            status=self._status,
            steps=[StepRecord(s.step, s.status, s.detail) for s in self._steps],
            failure_reason=self._failure_reason,
            cancel_requested=self._cancel is not None,
            delivery_overdue=self._overdue,
        )

    @workflow.signal(name=SIGNAL_CARRIER_EVENT)
    def carrier_event(self, event: CarrierEvent) -> None:
        if event.status not in CARRIER_STATUSES or self._closing or self._delivered:
            return
        if event.event_id:
            if event.event_id in self._seen_event_ids:
                return
            self._seen_event_ids.add(event.event_id)
        self._carrier_events.append(event)

    @workflow.update(name=UPDATE_CANCEL)
    async def cancel(self, request: CancelRequest) -> CancelResult:
        self._cancel = request
        await workflow.wait_condition(lambda: self._cancel_result is not None)
        assert self._cancel_result is not None
        return self._cancel_result

    @cancel.validator
    def _validate_cancel(self, request: CancelRequest) -> None:
        if self._finished:
            raise ApplicationError(
                f"The order is already {self._status} and can no longer be cancelled.",
                type="CancelRefused",
            )
        if self._shipping_started:
            raise ApplicationError(SHIPPED_REFUSAL, type="CancelRefused")
        if self._cancel is not None:
            raise ApplicationError("A cancellation is already in progress.", type="CancelRefused")
        if self._closing:
            raise ApplicationError(
                "The order is already being closed and can no longer be cancelled.",
                type="CancelRefused",
            )


async def _shielded(awaitable: Awaitable[T], on_cancel: Callable[[], None] | None = None) -> T:
    """Await ``awaitable`` to the end even if the workflow is cancelled meanwhile (calling
    ``on_cancel`` when that happens)."""
    task = asyncio.ensure_future(awaitable)
    while True:
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if on_cancel is not None:
                on_cancel()
            if task.done():
                return task.result()


def _as_activity_error(activity: str, err: FailureError) -> FailureError:
    """A local activity's failure arrives unwrapped (the ``ApplicationError`` itself, not an
    ``ActivityError`` around it): wrap it as a regular activity's would be, so the step's
    callers handle both alike."""
    if isinstance(err, (ActivityError, CancelledError)) or activity not in LOCAL_STEPS:
        return err
    wrapped = ActivityError(
        "Local activity failed",
        scheduled_event_id=0,
        started_event_id=0,
        identity="",
        activity_type=activity,
        activity_id="",
        retry_state=None,
    )
    wrapped.__cause__ = err
    return wrapped


def _error_message(err: ActivityError) -> str:
    cause = err.cause
    if isinstance(cause, ApplicationError):
        return cause.message
    return str(cause or err)


def _error_type(err: ActivityError) -> str:
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.type:
        return cause.type
    return type(cause or err).__name__
