"""``ReturnWorkflow``'s activities: one call into ``returns.services`` each.

``@return_step`` closes stale database connections around the call, logs it with the return's
number and timing, and turns ``ReturnRefused`` into a non-retryable ``ApplicationError``. Every
service called is idempotent by the return's number.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from returns.errors import ReturnRefused
from returns.services import steps
from returns.services.emails import send_return_email as send_email
from workflows.return_types import (
    ERROR_REFUND_PENDING,
    ERROR_RETURN_REFUSED,
    ReturnReceipt,
    ReturnState,
)
from workflows.steps import close_stale_connections
from workflows.types import CarrierEvent

logger = logging.getLogger("workflows.returns")

F = TypeVar("F", bound=Callable[..., Any])


def return_step(fn: F) -> F:
    name = fn.__name__

    @functools.wraps(fn)
    def run(return_number: str, *args: Any) -> Any:
        attempt = activity.info().attempt if activity.in_activity() else 1
        started = time.monotonic()
        close_stale_connections()
        try:
            result = fn(return_number, *args)
        except ReturnRefused as exc:
            logger.warning("activity %s return=%s: refused: %s", name, return_number, exc)
            raise ApplicationError(
                exc.message, exc.code, type=ERROR_RETURN_REFUSED, non_retryable=True
            ) from exc
        except ApplicationError:
            raise
        except Exception as exc:
            logger.warning(
                "activity %s return=%s attempt=%s: %s %s",
                name,
                return_number,
                attempt,
                type(exc).__name__,
                exc,
            )
            raise
        finally:
            close_stale_connections()
        logger.info(
            "activity %s return=%s: ok %r (%.3fs)",
            name,
            return_number,
            result,
            time.monotonic() - started,
        )
        return result

    return activity.defn(name=name)(run)  # type: ignore[return-value]


@return_step
def open_return(return_number: str) -> ReturnState:
    return ReturnState(return_number=return_number, status=steps.open_return(return_number))


@return_step
def send_return_email(return_number: str, kind: str) -> bool:
    return send_email(return_number, kind)


@return_step
def approve_return(return_number: str, actor: str) -> str:
    return steps.approve(return_number, actor)


@return_step
def reject_return(return_number: str, actor: str, note: str) -> str:
    return steps.reject(return_number, actor, note)


@return_step
def mark_return_in_transit(return_number: str, event: CarrierEvent) -> str:
    return steps.mark_in_transit(return_number)


@return_step
def receive_return(return_number: str, receipt: ReturnReceipt) -> str:
    conditions = {c.order_line_id: c.condition for c in receipt.conditions}
    return steps.receive(return_number, conditions, receipt.actor)


@return_step
def expire_return(return_number: str) -> str:
    return steps.expire(return_number)


@return_step
def request_return_refund(return_number: str) -> str:
    return steps.request_refund(return_number)


@return_step
def await_return_refund(return_number: str) -> str:
    """The refund's end; while it runs, a retryable failure (the retry policy's backoff is the
    polling interval; only the last attempt is recorded in history)."""
    outcome = steps.refund_outcome(return_number)
    if outcome is None:
        raise ApplicationError(
            "The refund is still running.",
            type=ERROR_REFUND_PENDING,
            category=ApplicationErrorCategory.BENIGN,
        )
    return outcome


@return_step
def finish_return_refund(return_number: str, succeeded: bool) -> str:
    return steps.finish_refund(return_number, succeeded)


RETURN_ACTIVITIES = [
    open_return,
    send_return_email,
    approve_return,
    reject_return,
    mark_return_in_transit,
    receive_return,
    expire_return,
    request_return_refund,
    await_return_refund,
    finish_return_refund,
]
