"""``RefundWorkflow``'s activities: one service call each (``refunds.execution``), wrapped by
``@order_step`` (stale connections, logging, business errors as non-retryable failures).

``execute_refund`` has the fault point ``refund_after_provider`` between the provider's answer
and the record (``workflows.faults``; the crash test arms it).
"""

from __future__ import annotations

from refunds import execution
from workflows import faults
from workflows.refund_types import RefundOutcome
from workflows.steps import order_step

CRASH_AFTER_PROVIDER = "refund_after_provider"


def _crash_point() -> None:
    faults.maybe_crash(CRASH_AFTER_PROVIDER)


@order_step(describe=lambda r: f"{r.refund_number} {r.status} {r.reference}")
def execute_refund(order_number: str, refund_number: str) -> RefundOutcome:
    refund = execution.execute_refund(refund_number, after_provider=_crash_point)
    return RefundOutcome(
        refund_number=refund.number,
        status=refund.status,
        amount=str(refund.amount),
        reference=refund.provider_reference,
        failure_reason=refund.failure_reason,
    )


@order_step(describe=lambda n: f"credit note {n or 'none'}")
def issue_refund_credit_note(order_number: str, refund_number: str) -> str:
    return execution.issue_refund_credit_note(refund_number)


@order_step(describe=lambda sent: "sent" if sent else "already sent")
def send_refund_email(order_number: str, refund_number: str) -> bool:
    return execution.send_refund_email(refund_number)


REFUND_ACTIVITIES = [execute_refund, issue_refund_credit_note, send_refund_email]
