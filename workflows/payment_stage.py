"""The payment part of ``OrderWorkflow`` (patch ``authorize-capture``): authorize, pay again
after a decline, ship within the authorization's lifetime, capture; and the two updates that
tell the shopper how the card fared (``payment_outcome`` for checkout's early return,
``retry_payment`` for the pay page).

A mixin of ``OrderWorkflow`` (its handlers are registered with the workflow's): it uses the
workflow's ``_step``, ``_to_the_end``, ``_check_cancel`` and state. Sandboxed: no Django.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from orders import states
    from workflows.failures import failure_code, failure_message, failure_type
    from workflows.types import (
        ERROR_AUTHORIZATION_EXPIRED,
        ERROR_INSUFFICIENT_FUNDS,
        ERROR_PAYMENT_DECLINED,
        PAYMENT_AUTHORIZED,
        PAYMENT_DECLINED,
        PAYMENT_FAILED,
        UPDATE_PAYMENT_OUTCOME,
        UPDATE_RETRY_PAYMENT,
        CancelRequest,
        PaymentAttempt,
        PaymentMethod,
        PaymentOutcome,
        ShipmentInfo,
        StepRecord,
        WorkflowConfig,
    )

T = TypeVar("T")

AUTHORIZE_CAPTURE_PATCH = "authorize-capture"
NOT_PAID_IN_TIME = CancelRequest(actor="system", reason="The payment was not completed in time.")
AUTHORIZATION_EXPIRED = "The payment authorization expired before the order could ship."
DECLINE_TYPES = (ERROR_PAYMENT_DECLINED, ERROR_INSUFFICIENT_FUNDS)
REFUSED = "PaymentRefused"


class PaymentStage:
    # Provided by OrderWorkflow.
    _config: WorkflowConfig
    _cancel: CancelRequest | None
    _closing: bool
    _finished: bool
    _status: str
    _current_step: str
    _failure_reason: str
    _steps: list[StepRecord]

    async def _step(self, activity: str, *args: Any, **options: Any) -> Any:
        raise NotImplementedError

    async def _to_the_end(self, awaitable: Awaitable[T]) -> T:
        raise NotImplementedError

    def _check_cancel(self) -> None:
        raise NotImplementedError

    def _init_payment(self) -> None:
        self._payment: PaymentOutcome | None = None
        self._awaiting_payment = False
        self._new_card: PaymentMethod | None = None
        self._authorization_deadline: datetime | None = None
        self._abandon_step = False  # read by OrderWorkflow._to_the_end

    async def _authorize(self) -> None:
        """Hold the total on the card. After a decline, wait (stock held) for another card
        through ``retry_payment``; no card in time cancels the order."""
        attempt = PaymentAttempt(attempt=1)
        while True:
            try:
                await self._step("authorize_payment", attempt)
            except FailureError as err:
                if failure_type(err) not in DECLINE_TYPES:
                    raise
                self._payment = PaymentOutcome(
                    PAYMENT_DECLINED, failure_code(err), failure_message(err), attempt.attempt
                )
                self._status = states.AWAITING_PAYMENT
                attempt = PaymentAttempt(attempt.attempt + 1, await self._wait_for_new_card())
                continue
            self._payment = PaymentOutcome(PAYMENT_AUTHORIZED, attempt=attempt.attempt)
            lifetime = timedelta(seconds=self._config.authorization_seconds)
            self._authorization_deadline = workflow.now() + lifetime
            return

    async def _wait_for_new_card(self) -> PaymentMethod:
        self._awaiting_payment = True
        self._current_step = "awaiting_payment"
        try:
            await self._to_the_end(
                workflow.wait_condition(
                    lambda: self._new_card is not None or self._cancel is not None,
                    timeout=timedelta(seconds=self._config.payment_retry_seconds),
                )
            )
        except TimeoutError:
            self._cancel = NOT_PAID_IN_TIME
        finally:
            self._awaiting_payment = False
        self._check_cancel()
        method, self._new_card = self._new_card, None
        assert method is not None
        return method

    async def _ship(self) -> ShipmentInfo:
        """Create the shipment; once authorized first, before the authorization lapses (a
        durable timer): a shipment that can't be made in time is abandoned, the order fails
        and the hold is voided."""
        deadline = self._authorization_deadline
        if deadline is None:
            return await self._step("create_shipment", result_type=ShipmentInfo)
        step = asyncio.ensure_future(self._step("create_shipment", result_type=ShipmentInfo))
        try:
            await self._to_the_end(
                workflow.wait_condition(step.done, timeout=deadline - workflow.now())
            )
        except TimeoutError:
            self._abandon_step = True
            step.cancel()
            with contextlib.suppress(asyncio.CancelledError, FailureError):
                await step
            self._abandon_step = False
            self._steps[-1].status = "failed"
            self._steps[-1].detail = AUTHORIZATION_EXPIRED
            raise ApplicationError(
                AUTHORIZATION_EXPIRED, type=ERROR_AUTHORIZATION_EXPIRED, non_retryable=True
            ) from None
        return step.result()

    async def _capture(self) -> bool:
        """Take the money once the parcel is handed over; True if taken. A capture the
        provider refuses for good can't be compensated (the parcel left): staff are alerted and
        the order goes on."""
        try:
            await self._step("capture_payment")
        except FailureError as err:
            await self._step(
                "record_compensation_failed", [f"capture_payment: {failure_message(err)}"]
            )
            return False
        return True

    def _payment_answer(self) -> PaymentOutcome:
        if self._payment is not None and not (
            self._closing and self._payment.status == PAYMENT_DECLINED
        ):
            return self._payment
        attempt = self._payment.attempt if self._payment else 0
        return PaymentOutcome(PAYMENT_FAILED, message=self._failure_reason, attempt=attempt)

    @workflow.update(name=UPDATE_PAYMENT_OUTCOME)
    async def payment_outcome(self) -> PaymentOutcome:
        """The card's first answer (checkout's early return), or why the order failed first."""
        await workflow.wait_condition(
            lambda: self._payment is not None or self._closing or self._finished
        )
        return self._payment_answer()

    @workflow.update(name=UPDATE_RETRY_PAYMENT)
    async def retry_payment(self, method: PaymentMethod) -> PaymentOutcome:
        """Pay again after a decline; answers with the new attempt's outcome."""
        attempt = (self._payment.attempt if self._payment else 0) + 1
        self._new_card = method
        await workflow.wait_condition(
            lambda: (
                (self._payment is not None and self._payment.attempt >= attempt)
                or self._closing
                or self._finished
            )
        )
        return self._payment_answer()

    @retry_payment.validator
    def _validate_retry_payment(self, method: PaymentMethod) -> None:
        if not self._awaiting_payment or self._new_card is not None or self._cancel is not None:
            raise ApplicationError("This order is not waiting for a payment.", type=REFUSED)
        if not method.token:
            raise ApplicationError("No card was given.", type=REFUSED)
