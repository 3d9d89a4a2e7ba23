"""Payloads of ``RefundWorkflow``: small dataclasses, no Django (sandboxed).

Changing a field here changes recorded histories: add optional fields only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.types import StepRecord

REFUND_WORKFLOW_NAME = "RefundWorkflow"
QUERY_REFUND_PROGRESS = "progress"

# What ``execute_refund`` left the refund as.
REFUND_SUCCEEDED = "succeeded"
REFUND_FAILED = "failed"


def refund_workflow_id(refund_number: str) -> str:
    """``<order>-R<k>`` -> ``refund-<order>-<k>``."""
    order_number, _, seq = refund_number.rpartition("-R")
    return f"refund-{order_number}-{seq}"


@dataclass
class RefundInput:
    """What the workflow is started with; the settings travel here so they are in history."""

    order_number: str
    refund_number: str
    activity_timeout_seconds: float = 30.0
    retry_initial_interval_seconds: float = 1.0
    retry_maximum_interval_seconds: float = 60.0
    email_task_queue: str = ""


@dataclass
class RefundOutcome:
    """``execute_refund``'s result."""

    refund_number: str
    status: str  # REFUND_SUCCEEDED | REFUND_FAILED
    amount: str = ""
    reference: str = ""
    failure_reason: str = ""


@dataclass
class RefundProgress:
    order_number: str
    refund_number: str
    current_step: str
    status: str  # requested | succeeded | failed
    steps: list[StepRecord] = field(default_factory=list)
    credit_note: str = ""
    failure_reason: str = ""


@dataclass
class RefundResult:
    refund_number: str
    status: str
    credit_note: str = ""
    failure_reason: str = ""
