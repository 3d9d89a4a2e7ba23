"""What shoppers, staff and the carrier do to an order once it is placed.

Cancel, mark delivered and carrier events all go through the order's workflow (the ``cancel``
update and the ``carrier_event`` signal), whose activities write the status moves and their
``OrderEvent``s. Whether an order has a workflow is Temporal's answer (the id is
deterministic), not the ``workflow_started_at`` bookkeeping alone: an order without it is asked
about first, and its bookkeeping repaired when Temporal has the workflow. Only an order Temporal
has no workflow for (or can't be asked about) is cancelled directly in the database, under the
order's row lock; its money is safe either way (a provider answer is recorded before any
status move, and a workflow that then finds its order cancelled voids what it authorized).
Staff actions additionally record a ``staff_action`` event with the staff member's email.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from orders.events import IllegalTransition, move, record
from orders.links import revoke_links
from orders.models import EmailNotification, Order, OrderEvent, Shipment
from orders.services.checkout import record_workflow_started, start_workflow_for
from orders.services.emails import send_email
from orders.status import FINAL, OrderStatus
from promotions.services import release_voucher_for_order
from shop.locks import locked_order
from workflows import client
from workflows.client import (
    CARRIER_DELIVERED,
    CARRIER_STATUSES,
    CarrierEvent,
    TemporalUnavailable,
    WorkflowNotFound,
)

TEMPORAL_DOWN_MESSAGE = "We could not reach the order system; please try again in a minute."
CUSTOMER_REASON = "Cancelled at your request."
STAFF_ACTION = OrderEvent.Kind.STAFF_ACTION
DELIVERABLE = frozenset({OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT})


@dataclass(frozen=True)
class Outcome:
    """What happened when someone asked for something: shown to them as a message."""

    ok: bool
    message: str


class ShipmentNotFound(LookupError):
    def __init__(self, tracking_number: str) -> None:
        super().__init__(f"No shipment has tracking number {tracking_number!r}.")
        self.tracking_number = tracking_number


class InvalidCarrierStatus(ValueError):
    def __init__(self, status: object) -> None:
        allowed = ", ".join(CARRIER_STATUSES)
        super().__init__(f"Unknown carrier status {status!r}; expected one of: {allowed}.")
        self.status = status


class OrderNotActive(Exception):
    """The order's workflow is gone although the order is not finished (cannot take events)."""


def _not_cancellable_message(order: Order) -> str:
    status = order.get_status_display().lower()
    return f"Order {order.number} can no longer be cancelled: it is {status}."


def _staff_event(order: Order, actor: str, message: str, data: dict | None = None) -> None:
    record(order, STAFF_ACTION, message, actor=actor, data=data or {})


def cancel_order(order: Order, actor: str, reason: str = "", *, staff: bool = False) -> Outcome:
    """Cancel ``order`` for ``actor`` (an email, or "customer").

    Through the workflow's ``cancel`` update (refund and stock release have run when it
    returns), or directly in the database if no workflow was ever started. ``staff=True``
    also records a ``staff_action`` event with ``actor``.

    Only staff's reasons become the order's reason (shown in the cancellation email); a
    customer's own words never go into an email (the shop would send a stranger's text to the
    order's address): they are kept as a staff-only note.
    """
    reason = reason.strip()[:500]
    if not staff:
        customer_note, reason = reason, CUSTOMER_REASON
    order.refresh_from_db(fields=["status", "workflow_started_at"])
    if not order.is_cancellable:
        outcome = Outcome(False, _not_cancellable_message(order))
    elif order.workflow_started_at is None and not _has_workflow(order):
        outcome = _cancel_without_workflow(order, actor, reason)
    else:
        outcome = _cancel_through_workflow(order, actor, reason)
    if outcome is None:  # the workflow started meanwhile: ask it
        outcome = _cancel_through_workflow(order, actor, reason)
    if staff and outcome.message != TEMPORAL_DOWN_MESSAGE:  # nothing happened when down
        verb = "cancelled" if outcome.ok else "cancel refused"
        _staff_event(order, actor, f"Staff {verb}: {outcome.message}", {"reason": reason})
    if not staff and outcome.ok and customer_note and customer_note != CUSTOMER_REASON:
        _staff_event(
            order,
            actor,
            "The customer's reason for cancelling (not emailed).",
            {"customer_reason": customer_note},
        )
    return outcome


def _has_workflow(order: Order) -> bool:
    """Ask Temporal whether the order has a workflow; repair the bookkeeping when it does.
    False when Temporal has none or can't be reached."""
    try:
        client.describe_order_workflow(order.number, with_progress=False)
    except (WorkflowNotFound, TemporalUnavailable):
        return False
    record_workflow_started(order, started_now=False)
    return True


def _cancel_without_workflow(order: Order, actor: str, reason: str) -> Outcome | None:
    """Cancel an order nobody has started yet; None if its workflow started meanwhile.
    (Should a workflow start right after, its first step sees the cancelled order and stops.)"""
    message = reason or f"Cancelled by {actor}."
    with locked_order(order.number) as locked:
        if locked.workflow_started_at is not None:
            return None
        try:
            move(
                locked,
                OrderStatus.CANCELLED,
                OrderEvent.Kind.CANCELLED,
                message,
                actor=actor,
                data={"reason": reason, "workflow": False},
                extra_fields={"failure_reason": message},
            )
        except IllegalTransition:
            order.status = locked.status
            return Outcome(False, _not_cancellable_message(order))
        order.status, order.failure_reason = locked.status, locked.failure_reason
        # No saga will run its compensations: give the voucher back here, in the same
        # transaction as the status move.
        release_voucher_for_order(order.number)
        transaction.on_commit(lambda: _send_cancellation_email(order.number), robust=True)
    return Outcome(True, f"Order {order.number} is cancelled. Nothing was charged.")


def _send_cancellation_email(number: str) -> None:
    send_email(number, EmailNotification.Kind.CANCELLED)


def _cancel_through_workflow(order: Order, actor: str, reason: str) -> Outcome:
    try:
        result = client.cancel_order(order.number, actor=actor, reason=reason)
    except TemporalUnavailable:
        return Outcome(False, TEMPORAL_DOWN_MESSAGE)
    except WorkflowNotFound:
        return Outcome(False, f"Order {order.number} has no running order process to cancel.")
    order.refresh_from_db()
    return Outcome(bool(result.cancelled), result.message)


def mark_delivered(order: Order, actor: str) -> Outcome:
    """Staff confirm delivery: a ``delivered`` carrier event with ``actor``, sent to the
    workflow (repeating it is harmless: same event id)."""
    order.refresh_from_db(fields=["status"])
    if order.status not in DELIVERABLE:
        return Outcome(
            False,
            f"Order {order.number} is {order.get_status_display().lower()}; "
            "only shipped orders can be marked delivered.",
        )
    shipment = Shipment.objects.filter(order=order).only("tracking_number").first()
    tracking_number = shipment.tracking_number if shipment else ""
    event = CarrierEvent(
        status=CARRIER_DELIVERED,
        tracking_number=tracking_number,
        event_id=f"staff-delivered-{order.number}",
        note="Marked delivered by staff.",  # shown to the shopper; the actor field says who
        actor=actor,
    )
    try:
        client.signal_carrier_event(order.number, event)
    except TemporalUnavailable:
        return Outcome(False, TEMPORAL_DOWN_MESSAGE)
    except WorkflowNotFound:
        return Outcome(False, f"Order {order.number} has no running order process.")
    # Not under "event_id": the carrier-event activity treats a known event_id as applied.
    _staff_event(
        order, actor, "Staff marked the order delivered.", {"carrier_event": event.event_id}
    )
    return Outcome(True, f"Order {order.number}: delivery recorded.")


def forward_carrier_event(
    tracking_number: str,
    status: str,
    event_id: str = "",
    note: str = "",
    actor: str = "carrier",
) -> Order:
    """Send a carrier's event to the order's workflow as a signal.

    Raises ``InvalidCarrierStatus``, ``ShipmentNotFound``, ``OrderNotActive`` or
    ``TemporalUnavailable``; touches nothing when it raises. Events for a finished order are
    accepted and ignored (a carrier repeating itself is harmless).
    """
    if status not in CARRIER_STATUSES:
        raise InvalidCarrierStatus(status)
    shipment = None
    if "\x00" not in tracking_number:  # PostgreSQL can't compare it; no parcel has one
        shipment = (
            Shipment.objects.select_related("order").filter(tracking_number=tracking_number).first()
        )
    if shipment is None:
        raise ShipmentNotFound(tracking_number)
    order = shipment.order
    if order.status in FINAL:
        return order
    event = CarrierEvent(
        status=status, tracking_number=tracking_number, event_id=event_id, note=note, actor=actor
    )
    try:
        client.signal_carrier_event(order.number, event)
    except WorkflowNotFound as exc:
        order.refresh_from_db(fields=["status"])
        if order.status in FINAL:  # finished between our read and the signal
            return order
        raise OrderNotActive(f"Order {order.number} has no running order process.") from exc
    return order


def start_missing_workflow(order: Order, actor: str) -> Outcome:
    """Staff start the workflow of an order the sweeper has not started yet (through
    checkout's ``start_workflow_for``; a duplicate start is harmless)."""
    order.refresh_from_db(fields=["status", "workflow_started_at"])
    if order.workflow_started_at is not None or order.status in FINAL:
        return Outcome(False, f"Order {order.number} already has a workflow.")
    if not start_workflow_for(order):  # never raises: False when Temporal is unreachable
        return Outcome(False, TEMPORAL_DOWN_MESSAGE)
    _staff_event(order, actor, "Staff started the order's workflow.")
    return Outcome(True, f"Order {order.number}: workflow started.")


def revoke_order_links(order: Order, actor: str) -> Outcome:
    """Staff end every signed link of the order sent so far (a leaked email, a forwarded
    link): browsers that opened one lose the order too. New emails carry a new link."""
    revoke_links(order)
    _staff_event(
        order, actor, "Staff revoked the order's links.", {"link_version": order.link_version}
    )
    return Outcome(True, f"Order {order.number}: links revoked.")
