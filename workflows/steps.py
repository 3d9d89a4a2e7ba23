"""``@order_step``: what every activity of ``OrderWorkflow`` does around its one service call.

- closes stale database connections before and after (workers never pass through Django's
  request cycle, so nothing else would);
- logs start and result (or error) with the order number, attempt and timing;
- turns business failures into non-retryable ``ApplicationError``s with a ``type`` the
  workflow and its retry policy know (``workflows.types.BUSINESS_ERROR_TYPES``);
- optionally reaches a fault-injection point after the call (``workflows.faults``, for the
  crash tests; inert unless the environment arms it).

The wrapped function stays a sync function: the worker runs it on its thread pool.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import close_old_connections, connections
from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from orders.errors import InvalidOrder, OrderClosed
from orders.events import IllegalTransition
from orders.inventory import OutOfStock
from orders.payments import PaymentDeclined, PaymentError, TransientPaymentError
from orders.services.alerts import alert_step_failing
from shop.metrics import record_step
from workflows import faults
from workflows.types import (
    ERROR_ILLEGAL_TRANSITION,
    ERROR_INSUFFICIENT_FUNDS,
    ERROR_INVALID_ORDER,
    ERROR_ORDER_CLOSED,
    ERROR_OUT_OF_STOCK,
    ERROR_PAYMENT,
    ERROR_PAYMENT_DECLINED,
)

logger = logging.getLogger("workflows.activities")

F = TypeVar("F", bound=Callable[..., Any])
BENIGN = ApplicationErrorCategory.BENIGN


def business_error(exc: Exception) -> ApplicationError | None:
    """The ``ApplicationError`` for a business failure, or None for anything else (which the
    SDK reports as a retryable failure)."""
    if isinstance(exc, InvalidOrder):
        return ApplicationError(str(exc), type=ERROR_INVALID_ORDER, non_retryable=True)
    if isinstance(exc, OrderClosed):
        return ApplicationError(str(exc), type=ERROR_ORDER_CLOSED, non_retryable=True)
    if isinstance(exc, OutOfStock):
        return ApplicationError(
            str(exc), exc.product_names, type=ERROR_OUT_OF_STOCK, non_retryable=True
        )
    # A decline or a provider's hiccup is an ordinary day for a shop: our own WARNING line says
    # it, and BENIGN keeps the SDK from logging a traceback for it.
    if isinstance(exc, PaymentDeclined):
        kind = (
            ERROR_INSUFFICIENT_FUNDS if exc.code == "insufficient_funds" else ERROR_PAYMENT_DECLINED
        )
        return ApplicationError(
            exc.message, exc.code, type=kind, non_retryable=True, category=BENIGN
        )
    if isinstance(exc, TransientPaymentError):
        return ApplicationError(
            exc.message, exc.code, type="TransientPaymentError", category=BENIGN
        )
    if isinstance(exc, PaymentError):
        return ApplicationError(exc.message, exc.code, type=ERROR_PAYMENT, non_retryable=True)
    if isinstance(exc, IllegalTransition):
        return ApplicationError(str(exc), type=ERROR_ILLEGAL_TRANSITION, non_retryable=True)
    return None


def close_stale_connections() -> None:
    """Drop stale/broken connections, as Django does around each request. Skipped while a
    transaction is open in this thread (only when called inside one, e.g. in a test)."""
    if any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        return
    close_old_connections()


def order_step(
    *,
    name: str | None = None,
    describe: Callable[[Any], str] = repr,
    crash_point: str | None = None,
) -> Callable[[F], F]:
    """Make ``fn(order_number, *args)`` an activity named ``name`` (default: its own name).
    ``describe`` turns its result into the log line's summary."""

    def decorate(fn: F) -> F:
        step = name or fn.__name__

        @functools.wraps(fn)
        def run(order_number: str, *args: Any) -> Any:
            attempt = activity.info().attempt if activity.in_activity() else 1
            logger.info("activity %s order=%s attempt=%s: start", step, order_number, attempt)
            started = time.monotonic()
            close_stale_connections()
            try:
                result = fn(order_number, *args)
                if crash_point:
                    faults.maybe_crash(crash_point)
            except Exception as exc:
                record_step(step, args, attempt, exc)
                logger.warning(
                    "activity %s order=%s attempt=%s: %s%s %s (%.3fs)",
                    step,
                    order_number,
                    attempt,
                    type(exc).__name__,
                    f" code={exc.code}" if isinstance(exc, PaymentError) else "",
                    exc,
                    time.monotonic() - started,
                )
                error = business_error(exc)
                retried = error is None or not error.non_retryable
                if retried and attempt >= settings.ORDER_ALERT_AFTER_ATTEMPTS:
                    alert_step_failing(order_number, step, attempt, exc)
                if error is not None:
                    raise error from exc
                raise
            finally:
                close_stale_connections()
            record_step(step, args, attempt)
            logger.info(
                "activity %s order=%s: ok %s (%.3fs)",
                step,
                order_number,
                describe(result),
                time.monotonic() - started,
            )
            return result

        return activity.defn(name=step)(run)  # type: ignore[return-value]

    return decorate
