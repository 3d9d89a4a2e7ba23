"""The Temporal client used by Django views, admin and commands.

One ``temporalio.client.Client`` per process (per address/namespace), living on one background
event loop thread; sync wrappers with short timeouts. A view never creates an event loop.
Every failure to reach Temporal surfaces as ``TemporalUnavailable`` so callers can degrade
(the order is already saved; the sweeper starts it later).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, urlencode

from django.conf import settings
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import (
    RPCTimeoutOrCancelledError,
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from workflows.config import workflow_config
from workflows.connection import (
    TemporalUnavailable,
    WorkflowNotFound,
    client_timeout,
    connect,
    connection_options,
    get_client,
    query_timeout,
    reset_client,
    rpc_timeout,
    run,
    starts_paused_until,
)
from workflows.refund_client import (  # refunds (refunds/): re-exported, the one door
    RefundSnapshot,
    describe_refund_workflow,
    query_refund_progress,
    refund_workflow_ui_url,
    start_refund_workflow,
)
from workflows.refund_types import RefundProgress
from workflows.return_client import *  # noqa: F403  (returns: its calls, re-exported)
from workflows.search_attributes import customer_query
from workflows.types import (
    CARRIER_DELIVERED,
    CARRIER_IN_TRANSIT,
    CARRIER_STATUSES,
    PAYMENT_AUTHORIZED,
    PAYMENT_DECLINED,
    PAYMENT_FAILED,
    PAYMENT_OUTCOMES,
    PAYMENT_PENDING,
    CancelRequest,
    CancelResult,
    CarrierEvent,
    OrderInput,
    PaymentMethod,
    PaymentOutcome,
    Progress,
    workflow_id_for,
)
from workflows.workflow import OrderWorkflow

# The payload types callers outside ``workflows`` need: they import them from here, the one
# module through which the rest of the shop talks to Temporal.
__all__ = [
    "CARRIER_DELIVERED",
    "CARRIER_IN_TRANSIT",
    "CARRIER_STATUSES",
    "CancelResult",
    "CarrierEvent",
    "PAYMENT_AUTHORIZED",
    "PAYMENT_DECLINED",
    "PAYMENT_FAILED",
    "PAYMENT_OUTCOMES",
    "PAYMENT_PENDING",
    "PaymentMethod",
    "PaymentOutcome",
    "PaymentRefused",
    "Progress",
    "RefundProgress",
    "RefundSnapshot",
    "StartedWithOutcome",
    "TemporalUnavailable",
    "WorkflowNotFound",
    "WorkflowNotRecoverable",
    "cancel_order",
    "connect",
    "connection_options",
    "customer_workflows_ui_url",
    "describe_order_workflow",
    "describe_refund_workflow",
    "query_progress",
    "query_refund_progress",
    "recover_order_workflow",
    "refund_workflow_ui_url",
    "reset_client",
    "retry_payment",
    "signal_carrier_event",
    "start_order_workflow",
    "start_order_with_payment_outcome",
    "start_refund_workflow",
    "temporal_reachable",
    "workflow_ui_url",
]


class PaymentRefused(Exception):
    """The workflow refused ``retry_payment`` (not waiting for a payment); ``str()`` says why."""


# --- Sync API for views, admin, commands ---------------------------------------------------


def order_input(order_number: str) -> OrderInput:
    """The workflow's input: the order and the settings it runs by (recorded in history)."""
    config = workflow_config()
    return OrderInput(
        order_number=order_number,
        delivery_timeout_seconds=config.delivery_timeout_seconds,
        activity_timeout_seconds=config.activity_timeout_seconds,
        retry_initial_interval_seconds=config.retry_initial_interval_seconds,
        retry_maximum_interval_seconds=config.retry_maximum_interval_seconds,
        payment_retry_seconds=config.payment_retry_seconds,
        authorization_seconds=config.authorization_seconds,
        email_task_queue=config.email_task_queue,
        search_attributes=bool(settings.TEMPORAL_SEARCH_ATTRIBUTES),
    )


def start_order_workflow(order_number: str, *, fail_fast: bool = False) -> bool:
    """Start ``OrderWorkflow`` for an order. True if started now, False if it already existed
    (a duplicate start is harmless). Raises ``TemporalUnavailable``.

    ``fail_fast`` (the start right after checkout): once a start failed to reach Temporal, the
    next ``TEMPORAL_START_PAUSE_SECONDS`` (default 15) of fail-fast starts raise at once
    instead of each waiting for the timeout, so a hung server doesn't add seconds to every
    checkout; the sweeper starts those orders later."""
    key = (settings.TEMPORAL_ADDRESS, settings.TEMPORAL_NAMESPACE)
    if fail_fast and time.monotonic() < starts_paused_until.get(key, 0.0):
        raise TemporalUnavailable("Temporal did not answer a moment ago; not tried again yet.")

    async def _start() -> bool:
        client = await get_client()
        try:
            await client.start_workflow(
                OrderWorkflow.run,
                order_input(order_number),
                id=workflow_id_for(order_number),
                task_queue=settings.TEMPORAL_TASK_QUEUE,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                rpc_timeout=rpc_timeout(),
            )
        except WorkflowAlreadyStartedError:
            return False
        return True

    try:
        started = run(_start())
    except TemporalUnavailable:
        pause = float(getattr(settings, "TEMPORAL_START_PAUSE_SECONDS", 15.0))
        starts_paused_until[key] = time.monotonic() + pause
        raise
    starts_paused_until.pop(key, None)
    return started


RECOVERABLE = ("TERMINATED", "TIMED_OUT", "FAILED", "CANCELED")  # ends a recovery restarts


def recover_order_workflow(order_number: str) -> str:
    """Start a new run of an order's workflow that was terminated, timed out, failed or was
    cancelled from the CLI/UI; it resumes from the database (idempotent steps: nothing is
    charged, shipped or emailed twice). Returns the new run id. Raises
    ``WorkflowNotRecoverable``, ``WorkflowNotFound``, ``TemporalUnavailable``."""

    async def _recover() -> str:
        client = await get_client()
        workflow_id = workflow_id_for(order_number)
        desc = await client.get_workflow_handle(workflow_id).describe(rpc_timeout=rpc_timeout())
        status = desc.status.name if desc.status is not None else "UNKNOWN"
        if status not in RECOVERABLE:
            raise WorkflowNotRecoverable(f"The workflow is {status.lower()}: nothing to recover.")
        handle = await client.start_workflow(
            OrderWorkflow.run,
            order_input(order_number),
            id=workflow_id,
            task_queue=settings.TEMPORAL_TASK_QUEUE,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            rpc_timeout=rpc_timeout(),
        )
        return handle.result_run_id or ""

    return run(_recover())


class WorkflowNotRecoverable(Exception):
    """The order's workflow runs or completed: there is nothing to recover."""


@dataclass
class StartedWithOutcome:
    started: bool  # the workflow runs (started now or before); False: unknown, sweeper's turn
    outcome: PaymentOutcome  # PAYMENT_PENDING when Temporal did not answer within the wait


def start_order_with_payment_outcome(order_number: str, wait: float) -> StartedWithOutcome:
    """Start the order's workflow with Update-with-Start of ``payment_outcome`` and wait, at
    most ``wait`` seconds, for the card's answer (Temporal's "early return"). A running
    workflow (a double submit) is reused. Never raises for Temporal's sake: no answer in time,
    or no Temporal, gives a pending outcome (the sweeper starts what did not start)."""
    key = (settings.TEMPORAL_ADDRESS, settings.TEMPORAL_NAMESPACE)
    pending = StartedWithOutcome(False, PaymentOutcome(PAYMENT_PENDING))
    if time.monotonic() < starts_paused_until.get(key, 0.0):
        return pending

    async def _start() -> StartedWithOutcome:
        client = await get_client()
        operation = WithStartWorkflowOperation(
            OrderWorkflow.run,
            order_input(order_number),
            id=workflow_id_for(order_number),
            task_queue=settings.TEMPORAL_TASK_QUEUE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
        try:
            outcome = await asyncio.wait_for(
                client.execute_update_with_start_workflow(
                    OrderWorkflow.payment_outcome,
                    start_workflow_operation=operation,
                    rpc_timeout=timedelta(seconds=wait),
                ),
                wait,
            )
        except WorkflowAlreadyStartedError:  # finished before (REJECT_DUPLICATE): it exists
            return StartedWithOutcome(True, PaymentOutcome(PAYMENT_PENDING))
        except (TimeoutError, RPCTimeoutOrCancelledError, RPCError):
            outcome = PaymentOutcome(PAYMENT_PENDING)
        if outcome.status != PAYMENT_PENDING:
            return StartedWithOutcome(True, outcome)
        try:  # no answer: did the start itself go through? Temporal knows (deterministic id)
            await client.get_workflow_handle(workflow_id_for(order_number)).describe(
                rpc_timeout=timedelta(seconds=min(client_timeout(), 2.0))
            )
        except (RPCError, RPCTimeoutOrCancelledError, TimeoutError):
            return StartedWithOutcome(False, outcome)
        return StartedWithOutcome(True, outcome)

    try:
        result = run(_start(), timeout=wait + client_timeout())
    except TemporalUnavailable:
        result = pending
    if not result.started:
        pause = float(getattr(settings, "TEMPORAL_START_PAUSE_SECONDS", 15.0))
        starts_paused_until[key] = time.monotonic() + pause
    else:
        starts_paused_until.pop(key, None)
    return result


def retry_payment(order_number: str, method: PaymentMethod, wait: float) -> PaymentOutcome:
    """Pay again through the ``retry_payment`` update and wait, at most ``wait`` seconds, for
    the new card's answer (pending after that). Raises ``PaymentRefused`` when the order is
    not waiting for a payment, ``TemporalUnavailable``, ``WorkflowNotFound``."""

    async def _retry() -> PaymentOutcome:
        client = await get_client()
        handle = client.get_workflow_handle(workflow_id_for(order_number))
        try:
            return await asyncio.wait_for(
                handle.execute_update(
                    OrderWorkflow.retry_payment, method, rpc_timeout=timedelta(seconds=wait)
                ),
                wait,
            )
        except WorkflowUpdateFailedError as exc:
            raise PaymentRefused(getattr(exc.cause, "message", None) or str(exc)) from exc
        except (TimeoutError, RPCTimeoutOrCancelledError):
            return PaymentOutcome(PAYMENT_PENDING)

    return run(_retry(), timeout=wait + client_timeout())


def query_progress(order_number: str) -> Progress:
    async def _query() -> Progress:
        client = await get_client()
        handle = client.get_workflow_handle(workflow_id_for(order_number))
        return await handle.query(OrderWorkflow.progress, rpc_timeout=query_timeout())

    return run(_query())


def cancel_order(order_number: str, actor: str, reason: str = "") -> CancelResult:
    """Ask the workflow to cancel through its ``cancel`` update. A refusal by the update's
    validator (already shipped, already finished) comes back as ``cancelled=False`` with the
    reason; the compensations have run when ``cancelled=True`` is returned."""

    async def _cancel() -> CancelResult:
        client = await get_client()
        handle = client.get_workflow_handle(workflow_id_for(order_number))
        try:
            return await handle.execute_update(
                OrderWorkflow.cancel,
                CancelRequest(actor=actor, reason=reason),
                rpc_timeout=timedelta(seconds=max(client_timeout() * 4, 20)),
            )
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            message = getattr(cause, "message", None) or str(cause or exc)
            return CancelResult(cancelled=False, message=message)

    return run(_cancel(), timeout=max(client_timeout() * 6, 30))


def signal_carrier_event(order_number: str, event: CarrierEvent) -> None:
    async def _signal() -> None:
        client = await get_client()
        handle = client.get_workflow_handle(workflow_id_for(order_number))
        await handle.signal(OrderWorkflow.carrier_event, event, rpc_timeout=rpc_timeout())

    run(_signal())


@dataclass
class PendingActivity:
    activity_type: str
    state: str
    attempt: int
    last_failure: str = ""


@dataclass
class WorkflowSnapshot:
    workflow_id: str
    run_id: str
    status: str  # RUNNING, COMPLETED, FAILED, ...
    pending_activities: list[PendingActivity] = field(default_factory=list)
    progress: Progress | None = None


def describe_order_workflow(order_number: str, with_progress: bool = True) -> WorkflowSnapshot:
    """Execution status, pending activities (attempts, last failure) and progress, for the
    admin's live panel. Raises ``TemporalUnavailable`` or ``WorkflowNotFound``."""

    async def _describe() -> WorkflowSnapshot:
        client = await get_client()
        handle = client.get_workflow_handle(workflow_id_for(order_number))
        desc = await handle.describe(rpc_timeout=rpc_timeout())
        pending = []
        for act in desc.raw_description.pending_activities:
            failure = act.last_failure.message if act.HasField("last_failure") else ""
            pending.append(
                PendingActivity(
                    activity_type=act.activity_type.name,
                    state=_enum_name(act.state, "PENDING_ACTIVITY_STATE_"),
                    attempt=act.attempt,
                    last_failure=failure,
                )
            )
        progress = None
        if with_progress:
            try:
                progress = await handle.query(OrderWorkflow.progress, rpc_timeout=query_timeout())
            except (RPCError, RPCTimeoutOrCancelledError, TimeoutError):
                progress = None  # a query needs a worker; the panel still shows the rest
        status = desc.status.name if isinstance(desc.status, WorkflowExecutionStatus) else "UNKNOWN"
        return WorkflowSnapshot(
            workflow_id=desc.id,
            run_id=desc.run_id,
            status=status,
            pending_activities=pending,
            progress=progress,
        )

    return run(_describe())


def _enum_name(value: int, prefix: str) -> str:
    try:
        return PendingActivityState.Name(value).removeprefix(prefix)
    except ValueError:
        return str(value)


def temporal_reachable() -> bool:
    """Cheap health check (one RPC)."""

    async def _check() -> bool:
        client = await get_client()
        return await client.service_client.check_health(timeout=rpc_timeout())

    try:
        return bool(run(_check()))
    except TemporalUnavailable:
        return False


def workflow_ui_url(order_number: str) -> str:
    base = settings.TEMPORAL_UI_URL.rstrip("/")
    return (
        f"{base}/namespaces/{settings.TEMPORAL_NAMESPACE}/workflows/{workflow_id_for(order_number)}"
    )


def customer_workflows_ui_url(customer_id: int) -> str:
    """The Temporal UI's list of a customer's order workflows (search attribute CustomerId)."""
    base = settings.TEMPORAL_UI_URL.rstrip("/")
    query = urlencode({"query": customer_query(customer_id)}, quote_via=quote)
    return f"{base}/namespaces/{settings.TEMPORAL_NAMESPACE}/workflows?{query}"
