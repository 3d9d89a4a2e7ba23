"""What staff and the carrier do to a return: through its workflow (signals), checked first
against the database so a refusal is said at once. The workflow's activities write the moves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orders import events
from orders.models import OrderEvent
from returns.errors import ReturnRefused
from returns.models import ReturnCondition, ReturnRequest, ReturnStatus
from returns.services.requesting import start_return_workflow_for
from workflows.client import (
    CarrierEvent,
    LineCondition,
    ReturnDecision,
    ReturnReceipt,
    TemporalUnavailable,
    WorkflowNotFound,
    signal_return_carrier_event,
    signal_return_decision,
    signal_return_receipt,
)

S = ReturnStatus
TEMPORAL_DOWN = "The order system is unreachable; please try again in a minute."


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str


def _staff_note(ret: ReturnRequest, actor: str, message: str) -> None:
    events.record(
        ret.order, OrderEvent.Kind.STAFF_ACTION, message, actor=actor, data={"return": ret.number}
    )


def _send(
    ret: ReturnRequest, signal: Callable[[str, int, Any], None], payload: object
) -> Outcome | None:
    """Signal the return's workflow (started first if it never was). None when sent."""
    if ret.workflow_started_at is None and not start_return_workflow_for(ret):
        return Outcome(False, TEMPORAL_DOWN)
    try:
        signal(ret.order.number, ret.seq, payload)
    except (TemporalUnavailable, WorkflowNotFound):
        return Outcome(False, TEMPORAL_DOWN)
    return None


def decide(ret: ReturnRequest, *, approve: bool, actor: str, note: str = "") -> Outcome:
    """Approve or reject a return waiting for staff (``RETURNS_AUTO_APPROVE`` off)."""
    if ret.status != S.REQUESTED:
        return Outcome(False, f"Return {ret.number} is {ret.get_status_display().lower()}.")
    failed = _send(ret, signal_return_decision, ReturnDecision(approve, actor, note[:1000]))
    if failed:
        return failed
    verb = "approved" if approve else "rejected"
    _staff_note(ret, actor, f"Return {ret.number} {verb}." + (f" {note}" if note else ""))
    return Outcome(True, f"Return {ret.number} {verb}.")


def mark_received(ret: ReturnRequest, conditions: dict[int, str], *, actor: str) -> Outcome:
    """The parcel arrived at the warehouse: per order line, restock or damaged."""
    if ret.status not in (S.APPROVED, S.IN_TRANSIT):
        return Outcome(
            False,
            f"Return {ret.number} is {ret.get_status_display().lower()}: only approved returns "
            "can be marked received.",
        )
    line_ids = set(ret.lines.values_list("order_line_id", flat=True))
    bad = [c for c in conditions.values() if c not in ReturnCondition.values]
    if bad or set(conditions) - line_ids:
        raise ReturnRefused(
            "Give restock or damaged for lines of this return.", "invalid_condition"
        )
    receipt = ReturnReceipt(
        conditions=[LineCondition(pk, conditions[pk]) for pk in sorted(conditions)], actor=actor
    )
    failed = _send(ret, signal_return_receipt, receipt)
    if failed:
        return failed
    return Outcome(True, f"Return {ret.number} marked received.")


def return_for_tracking(tracking_number: str) -> ReturnRequest | None:
    if "\x00" in tracking_number:  # PostgreSQL can't compare it; no label has one
        return None
    return (
        ReturnRequest.objects.select_related("order")
        .filter(tracking_number=tracking_number)
        .first()
    )


def forward_carrier_event(
    ret: ReturnRequest, status: str, *, event_id: str = "", note: str = ""
) -> bool:
    """A carrier event for the return's tracking number, to its workflow. False when the
    return is finished (acknowledged, ignored). Raises ``TemporalUnavailable``."""
    if ret.is_final:
        return False
    if ret.workflow_started_at is None and not start_return_workflow_for(ret):
        raise TemporalUnavailable("The return's workflow could not be started.")
    event = CarrierEvent(
        status=status, tracking_number=ret.tracking_number, event_id=event_id, note=note
    )
    try:
        signal_return_carrier_event(ret.order.number, ret.seq, event)
    except WorkflowNotFound as exc:
        raise TemporalUnavailable(str(exc)) from exc
    return True
