"""``OrderWorkflow``: one durable workflow per order (id ``order-<number>``).

validate -> reserve inventory -> authorize payment -> create shipment -> capture payment ->
confirmation email -> wait for delivery (carrier events by signal; overdue alert after the
delivery timeout, then keep waiting) -> delivery email -> complete. A business failure (a
non-retryable ``ApplicationError`` with a type) or a cancellation runs the compensations in
reverse (void the authorization, release stock), marks the order failed/cancelled and emails
the customer. A cancellation can only come before shipment, so before capture: a cancel voids,
it never refunds. A capture that fails for good after the parcel left alerts staff (the goods
are gone; the order goes on).

Payment: checkout starts the workflow with Update-with-Start of ``payment_outcome`` and shows
its answer (authorized, declined, failed). A declined card does not fail the order: it waits,
stock held, for ``retry_payment`` with another card (``payment_retry_seconds``); no card in
time cancels the order. The authorization must be captured within ``authorization_seconds``:
the steps between authorization and capture are bounded by it, and an order that can't ship
before then is failed and its authorization voided.

Cancellation has one path: the ``cancel`` update (shopper, staff) and a Temporal cancel request
(CLI, UI) are both checked by ``_cancel_refusal`` and acted on at the next step boundary. A
step always runs to its end (``asyncio.shield``): a sync activity can't be interrupted, and a
compensation must never run beside the step it undoes.

This module is sandboxed and deterministic: no Django, no I/O, no clock but ``workflow.now()``.
Activities are called by name; payloads live in ``workflows.types``, status values in
``orders.states`` (both Django-free). The timeouts and retry intervals come from
``OrderInput`` (or, for workflows started before it carried them, from ``validate_order``'s
result), so they are recorded in history.

Patch log (every change to the command sequence goes behind ``workflow.patched(<id>)``; how
to add one: ``docs/ARCHITECTURE.md``, "Adding a workflow step safely"):

- ``local-db-steps``: ``validate_order``, ``reserve_inventory`` and ``create_shipment`` run as
  local activities (inside the workflow task: no activity task round trip, no extra workflow
  task per step; ``bench/README.md``). Histories recorded before it scheduled regular
  activities there.
- ``authorize-capture``: ``authorize_payment`` (compensated by ``void_payment``) replaces
  ``charge_payment`` (compensated by ``refund_payment``), and ``capture_payment`` runs right
  after ``create_shipment``; a decline waits for ``retry_payment``; the shipment races the
  authorization's lifetime. Histories recorded before it charge at once.
- ``email-task-queue``: the steps that talk to the mail server (``scheduling.EMAIL_STEPS``) run
  on ``email_task_queue`` from the input, when it is set. Histories recorded before it ran them
  on the workflow's queue.
- ``search-attributes``: when the input asks for them, the workflow upserts its search
  attributes (``workflows.search_attributes``): ``OrderNumber`` and ``OrderStatus`` at start,
  ``CustomerId`` and ``OrderTotal`` after validation, ``OrderStatus`` at each status change.
  Histories recorded before it (and inputs without the flag) upsert nothing.
- ``voucher-release``: ``release_voucher`` is the first compensation registered (so the last
  one run): a failed or cancelled order gives its voucher usage back. A local step; a no-op for
  orders without a voucher. Histories recorded before it compensate without it.
- ``invoice-on-capture``: once the capture succeeded, ``issue_invoice`` (a local step) numbers
  and stores the invoice before the confirmation email, which attaches it. An invoice that
  can't be issued alerts staff and the order goes on. Histories recorded before it issue none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from orders import states
    from workflows import search_attributes as attrs
    from workflows.failures import failure_message, failure_type
    from workflows.payment_stage import AUTHORIZE_CAPTURE_PATCH, PaymentStage
    from workflows.scheduling import LOCAL_STEPS, schedule_step
    from workflows.search_attributes import SearchAttributes
    from workflows.types import (
        CARRIER_DELIVERED,
        CARRIER_STATUSES,
        PAYMENT_AUTHORIZED,
        QUERY_PROGRESS,
        SIGNAL_CARRIER_EVENT,
        UPDATE_CANCEL,
        WORKFLOW_NAME,
        CancelRequest,
        CancelResult,
        CarrierEvent,
        OrderInput,
        OrderResult,
        PaymentOutcome,
        Progress,
        StepRecord,
        ValidationResult,
        WorkflowConfig,
    )

T = TypeVar("T")

VOUCHER_RELEASE_PATCH = "voucher-release"
INVOICE_PATCH = "invoice-on-capture"

# The order status each forward step leaves behind (what its activity wrote to the database).
STATUS_AFTER = {
    "validate_order": states.VALIDATED,
    "reserve_inventory": states.RESERVED,
    "charge_payment": states.PAID,
    "authorize_payment": states.AUTHORIZED,
    "create_shipment": states.SHIPPED,
    "complete_order": states.COMPLETED,
}
SHIPPED_REFUSAL = "The order has already shipped and can no longer be cancelled."
TEMPORAL_CANCEL = CancelRequest(actor="system", reason="Cancelled through Temporal.")


class _CancelRequested(Exception):
    """Raised at a step boundary once a cancellation was accepted."""


@workflow.defn(name=WORKFLOW_NAME)
class OrderWorkflow(PaymentStage, SearchAttributes):
    local_steps: frozenset[str] = LOCAL_STEPS

    def __init__(self) -> None:
        self._order_number = ""
        self._search_attributes = False  # upsert them (patch ``search-attributes``)
        self._status = states.RECEIVED
        self._current_step = "starting"
        self._steps: list[StepRecord] = []
        self._failure_reason = ""
        self._config = WorkflowConfig()
        self._cancel: CancelRequest | None = None
        self._cancel_result: CancelResult | None = None
        self._shipping_started = False
        self._closing = False
        self._finished = False
        self._overdue = False
        self._delivered = False
        self._carrier_events: list[CarrierEvent] = []
        self._seen_event_ids: set[str] = set()
        self._init_payment()

    # --- main path ---------------------------------------------------------------------------

    @workflow.run
    async def run(self, input: OrderInput) -> OrderResult:
        self._order_number = input.order_number
        self._config = input.config() or self._config
        if input.search_attributes and workflow.patched(attrs.SEARCH_ATTRIBUTES_PATCH):
            self._search_attributes = True
            workflow.upsert_search_attributes(attrs.initial(self._order_number, self._status))
        compensations: list[str] = []
        if workflow.patched(VOUCHER_RELEASE_PATCH):
            compensations.append("release_voucher")  # a failed validation gives it back too
        try:
            validation = await self._step("validate_order", result_type=ValidationResult)
            self._upsert_customer(validation)
            if input.config() is None:
                self._config = validation.config()
            if validation.status in states.FINAL:
                self._status = validation.status
                return await self._finish()
            self._check_cancel()
            compensations.append("release_inventory")
            await self._step("reserve_inventory")
            self._check_cancel()
            if workflow.patched(AUTHORIZE_CAPTURE_PATCH):
                compensations.append("void_payment")
                await self._authorize()
            else:
                compensations.append("refund_payment")
                await self._step("charge_payment")
                self._payment = PaymentOutcome(PAYMENT_AUTHORIZED, attempt=1)
            self._check_cancel()
            self._shipping_started = True  # from here on a cancellation is refused
            shipment = await self._ship()
        except _CancelRequested:
            return await self._close(compensations, cancelled=True)
        except FailureError as err:
            return await self._close(compensations, error=err)

        self._steps[-1].detail = f"{shipment.carrier} {shipment.tracking_number}"
        if workflow.patched(AUTHORIZE_CAPTURE_PATCH):
            captured = await self._capture()
            if workflow.patched(INVOICE_PATCH) and captured:
                await self._issue_invoice()
        await self._step("send_confirmation_email")
        await self._wait_for_delivery()
        await self._step("send_delivery_email")
        await self._step("complete_order")
        return await self._finish()

    def _check_cancel(self) -> None:
        if self._cancel is not None:
            raise _CancelRequested()

    async def _step(self, activity: str, *args: Any, result_type: type | None = None) -> Any:
        """Run one activity as a visible step (recorded in the progress history). Its failure
        is raised as the SDK raises it (``ActivityError``, or the bare error of a local one)."""
        self._current_step = activity
        record = StepRecord(step=activity, status="started")
        self._steps.append(record)
        try:
            result = await self._to_the_end(
                schedule_step(
                    activity,
                    [self._order_number, *args],
                    config=self._config,
                    local_steps=self.local_steps,
                    result_type=result_type,
                )
            )
        except FailureError as err:
            record.status = "failed"
            record.detail = failure_message(err)
            raise
        record.status = "completed"
        if activity in STATUS_AFTER:
            self._status = STATUS_AFTER[activity]
        return result

    async def _to_the_end(self, awaitable: Awaitable[T]) -> T:
        """Await ``awaitable`` to its end even if a Temporal cancel request arrives meanwhile
        (the server delivers a request once); the request is handled like the cancel update."""
        task = asyncio.ensure_future(awaitable)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if self._abandon_step:  # the workflow itself gave up on this step (a deadline)
                task.cancel()
                raise
            self._on_cancel_request()
            return await task

    async def _issue_invoice(self) -> None:
        """The invoice, numbered once the money is taken. Its failure can't undo a shipped,
        paid order: staff are alerted to issue it by hand and the order goes on."""
        try:
            number = await self._step("issue_invoice")
        except FailureError as err:
            await self._step(
                "record_compensation_failed", [f"issue_invoice: {failure_message(err)}"]
            )
            return
        self._steps[-1].detail = number

    # --- delivery ------------------------------------------------------------------------------

    async def _wait_for_delivery(self) -> None:
        self._current_step = "awaiting_delivery"
        timeout = timedelta(seconds=self._config.delivery_timeout_seconds)
        deadline = workflow.now() + timeout
        while not self._delivered:
            if self._carrier_events:
                event = self._carrier_events.pop(0)
                self._status = await self._step("apply_carrier_event", event)
                self._steps[-1].detail = event.status
                self._delivered = event.status == CARRIER_DELIVERED
                self._current_step = "awaiting_delivery"
                continue
            remaining = None if self._overdue else deadline - workflow.now()
            try:
                if remaining is not None and remaining <= timedelta(0):
                    raise TimeoutError()
                await workflow.wait_condition(lambda: bool(self._carrier_events), timeout=remaining)
            except asyncio.CancelledError:  # refused once shipped: keep waiting
                self._on_cancel_request()
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
        error: FailureError | None = None,
    ) -> OrderResult:
        """Compensate in reverse, mark the order failed/cancelled, email the customer."""
        self._closing = True
        if error is not None:
            self._failure_reason = failure_message(error)
        refund_reference, failures = await self._compensate(compensations)
        if failures:
            await self._step("record_compensation_failed", failures)
        if cancelled:
            await self._mark_cancelled(refund_reference, failures)
        else:
            error_type = failure_type(error) if error is not None else "Error"
            self._status = await self._step("mark_order_failed", self._failure_reason, error_type)
            await self._step("send_failure_email")
        return await self._finish()

    async def _compensate(self, compensations: list[str]) -> tuple[str, list[str]]:
        """Run the undo steps in reverse. Returns the refund's reference (if one was made) and
        the undo steps that failed for good: the others still run, and the order is closed with
        staff alerted instead of getting stuck."""
        refund_reference = ""
        failures: list[str] = []
        for activity in reversed(compensations):
            try:
                result = await self._step(activity)
            except FailureError as err:
                failures.append(f"{activity}: {failure_message(err)}")
                continue
            self._steps[-1].status = "compensated"
            if activity == "refund_payment":
                refund_reference = result
        return refund_reference, failures

    async def _mark_cancelled(self, refund_reference: str, failures: list[str]) -> None:
        request = self._cancel or TEMPORAL_CANCEL
        self._status = await self._step("mark_order_cancelled", request.actor, request.reason)
        self._failure_reason = request.reason or f"Cancelled by {request.actor}."
        await self._step("send_cancellation_email")
        if any(f.startswith("refund_payment:") for f in failures):
            message = (
                "Order cancelled, but the refund could not be completed automatically: "
                "our staff have been alerted and will refund you."
            )
        elif any(f.startswith("void_payment:") for f in failures):
            message = (
                "Order cancelled, but the hold on your card could not be released "
                "automatically: our staff have been alerted and will release it."
            )
        elif refund_reference:
            message = f"Order cancelled and refunded (refund {refund_reference})."
        else:
            message = "Order cancelled; nothing was charged."
        self._cancel_result = CancelResult(cancelled=True, message=message)

    async def _finish(self) -> OrderResult:
        self._finished = True
        self._current_step = "done"
        if self._cancel is not None and self._cancel_result is None:
            self._cancel_result = CancelResult(
                cancelled=False, message=f"The order is already {self._status}."
            )
        # Let a pending update handler return before the workflow completes.
        await self._to_the_end(workflow.wait_condition(workflow.all_handlers_finished))
        return OrderResult(
            order_number=self._order_number,
            status=self._status,
            failure_reason=self._failure_reason,
        )

    # --- cancellation ----------------------------------------------------------------------------

    def _cancel_refusal(self) -> str | None:
        """Why a cancellation can't be accepted now, or None if it can."""
        if self._finished:
            return f"The order is already {self._status} and can no longer be cancelled."
        if self._shipping_started:
            return SHIPPED_REFUSAL
        if self._cancel is not None:
            return "A cancellation is already in progress."
        if self._closing:
            return "The order is already being closed and can no longer be cancelled."
        return None

    def _on_cancel_request(self) -> None:
        """A Temporal cancel request: accepted like the ``cancel`` update when allowed,
        otherwise only logged (the order goes on)."""
        refusal = self._cancel_refusal()
        if refusal is None:
            self._cancel = TEMPORAL_CANCEL
        else:
            workflow.logger.warning("Cancel request ignored: %s", refusal)

    @workflow.update(name=UPDATE_CANCEL)
    async def cancel(self, request: CancelRequest) -> CancelResult:
        self._cancel = request
        await workflow.wait_condition(lambda: self._cancel_result is not None)
        assert self._cancel_result is not None
        return self._cancel_result

    @cancel.validator
    def _validate_cancel(self, request: CancelRequest) -> None:
        refusal = self._cancel_refusal()
        if refusal is not None:
            raise ApplicationError(refusal, type="CancelRefused")

    # --- queries and signals ---------------------------------------------------------------------

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
