"""Reading an activity's failure: one helper for the shapes the SDK raises.

A regular activity's failure arrives as an ``ActivityError`` whose ``cause`` is what the
activity raised (an ``ApplicationError`` with a ``type`` for business failures); a local
activity's may arrive as that cause itself. Sandbox-safe (no Django).
"""

from __future__ import annotations

from temporalio.exceptions import ActivityError, ApplicationError, FailureError


def failure_cause(err: FailureError) -> BaseException:
    """What the activity raised (or the error itself when it carries no cause)."""
    if isinstance(err, ActivityError) and err.cause is not None:
        return err.cause
    return err


def failure_message(err: FailureError) -> str:
    cause = failure_cause(err)
    if isinstance(cause, ApplicationError):
        return cause.message
    return str(cause)


def failure_type(err: FailureError) -> str:
    """The business error type (``OutOfStock``, ``PaymentDeclined``, ...) or the class name."""
    cause = failure_cause(err)
    if isinstance(cause, ApplicationError) and cause.type:
        return cause.type
    return type(cause).__name__


def failure_code(err: FailureError) -> str:
    """The provider's code a payment failure carries (``card_declined``, ...), or ''."""
    cause = failure_cause(err)
    if isinstance(cause, ApplicationError) and cause.details:
        return str(cause.details[0])
    return ""
