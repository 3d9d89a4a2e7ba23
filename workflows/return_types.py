"""Payloads and names of ``ReturnWorkflow`` (customer returns): small dataclasses, no Django.

Shared by the workflow (sandboxed), its activities, the client and the tests. Changing a field
here changes recorded histories: add optional fields only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.types import StepRecord

RETURN_WORKFLOW_NAME = "ReturnWorkflow"
RETURN_QUERY_PROGRESS = "progress"
RETURN_SIGNAL_DECISION = "decide"
RETURN_SIGNAL_RECEIPT = "receive"
RETURN_SIGNAL_CARRIER_EVENT = "carrier_event"

# A received line's condition: its units go back to stock, or not.
CONDITION_RESTOCK = "restock"
CONDITION_DAMAGED = "damaged"
CONDITIONS = (CONDITION_RESTOCK, CONDITION_DAMAGED)

# The refund's end, as ``await_return_refund`` reports it.
REFUND_SUCCEEDED = "succeeded"
REFUND_FAILED = "failed"
# ``await_return_refund`` fails with this (retryable) type while the refund is still running.
ERROR_REFUND_PENDING = "RefundPending"
# Non-retryable business failures of the return's activities.
ERROR_RETURN_REFUSED = "ReturnRefused"


def return_workflow_id(order_number: str, seq: int) -> str:
    return f"return-{order_number}-{seq}"


@dataclass
class ReturnInput:
    """What a return's workflow is started with; the settings travel here (recorded in
    history). ``ship_by_seconds``: from the start to the return's ship-by time."""

    order_number: str
    return_number: str
    auto_approve: bool = True
    ship_by_seconds: float = 14 * 86400.0
    window_seconds: float = 30 * 86400.0
    activity_timeout_seconds: float = 30.0
    retry_initial_interval_seconds: float = 1.0
    retry_maximum_interval_seconds: float = 60.0
    email_task_queue: str = ""


@dataclass
class ReturnState:
    """``open_return``'s answer: where the return stands in the database."""

    return_number: str
    status: str


@dataclass
class ReturnDecision:
    """Staff's decision on a return waiting for approval (signal ``decide``)."""

    approve: bool
    actor: str = "staff"
    note: str = ""


@dataclass
class LineCondition:
    order_line_id: int
    condition: str  # one of CONDITIONS


@dataclass
class ReturnReceipt:
    """The parcel arrived (signal ``receive`` from staff, or a carrier's ``delivered``):
    per-line conditions; a line not listed is restocked."""

    conditions: list[LineCondition] = field(default_factory=list)
    actor: str = "staff"


@dataclass
class ReturnProgress:
    return_number: str
    order_number: str
    status: str
    current_step: str
    steps: list[StepRecord] = field(default_factory=list)
    refund_number: str = ""


# Return statuses as plain strings (``returns.models.ReturnStatus`` has the same values; a test
# keeps them equal).
STATUS_REQUESTED = "requested"
STATUS_APPROVED = "approved"
STATUS_REJECTED = "rejected"
STATUS_IN_TRANSIT = "in_transit"
STATUS_RECEIVED = "received"
STATUS_REFUNDED = "refunded"
STATUS_REFUND_FAILED = "refund_failed"
STATUS_EXPIRED = "expired"
FINAL_STATUSES = (STATUS_REJECTED, STATUS_REFUNDED, STATUS_REFUND_FAILED, STATUS_EXPIRED)
