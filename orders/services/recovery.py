"""Staff recover an order whose workflow was terminated or timed out (docs/OPERATIONS.md,
"Recovering a workflow"): a new run of ``order-<number>`` resumes from the database."""

from __future__ import annotations

import logging

from orders.events import record
from orders.models import Order, OrderEvent
from orders.services.tracking import TEMPORAL_DOWN_MESSAGE, Outcome
from orders.status import FINAL
from workflows.client import (
    TemporalUnavailable,
    WorkflowNotFound,
    WorkflowNotRecoverable,
    recover_order_workflow,
)

logger = logging.getLogger(__name__)


def recover_workflow(order: Order, actor: str) -> Outcome:
    """Start the order's workflow again after a terminate/timeout/failure in Temporal. Every
    step is idempotent (keys ``order-<number>-<action>``, emails recorded before sending), so
    the new run charges, ships and emails nothing twice."""
    order.refresh_from_db(fields=["status"])
    if order.status in FINAL:
        return Outcome(False, f"Order {order.number} is already {order.status}.")
    try:
        run_id = recover_order_workflow(order.number)
    except WorkflowNotRecoverable as exc:
        return Outcome(False, str(exc))
    except WorkflowNotFound:
        return Outcome(False, f"Order {order.number} has no workflow: start it instead.")
    except TemporalUnavailable:
        return Outcome(False, TEMPORAL_DOWN_MESSAGE)
    record(
        order,
        OrderEvent.Kind.STAFF_ACTION,
        "Staff recovered the order's workflow (a new run resumes from the database).",
        actor=actor,
        data={"run_id": run_id},
    )
    logger.warning("order %s: workflow recovered by %s (run %s)", order.number, actor, run_id)
    return Outcome(True, f"Order {order.number}: workflow recovered.")
