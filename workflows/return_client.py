"""The shop's calls to a return's ``ReturnWorkflow`` (re-exported by ``workflows.client``, the
one door to Temporal): start, staff's decision and receipt, carrier events, progress, the
admin's snapshot. Sync wrappers with short timeouts on the process's client loop; every failure
to reach Temporal is ``TemporalUnavailable``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone
from temporalio.client import RPCTimeoutOrCancelledError, WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from workflows.config import workflow_config
from workflows.connection import (
    TemporalUnavailable,
    get_client,
    query_timeout,
    rpc_timeout,
    run,
    starts_paused_until,
)
from workflows.return_types import (
    CONDITION_DAMAGED,
    CONDITION_RESTOCK,
    CONDITIONS,
    LineCondition,
    ReturnDecision,
    ReturnInput,
    ReturnProgress,
    ReturnReceipt,
    return_workflow_id,
)
from workflows.return_workflow import ReturnWorkflow
from workflows.types import CarrierEvent

__all__ = [
    "CONDITIONS",
    "CONDITION_DAMAGED",
    "CONDITION_RESTOCK",
    "LineCondition",
    "ReturnDecision",
    "ReturnProgress",
    "ReturnReceipt",
    "ReturnSnapshot",
    "describe_return_workflow",
    "query_return_progress",
    "return_workflow_id",
    "return_workflow_ui_url",
    "signal_return_carrier_event",
    "signal_return_decision",
    "signal_return_receipt",
    "start_return_workflow",
]


def return_input(
    order_number: str, return_number: str, *, ship_by: datetime, auto_approve: bool
) -> ReturnInput:
    """The workflow's input: the return and the settings it runs by (recorded in history)."""
    config = workflow_config()
    return ReturnInput(
        order_number=order_number,
        return_number=return_number,
        auto_approve=auto_approve,
        ship_by_seconds=max((ship_by - timezone.now()).total_seconds(), 0.0),
        window_seconds=float(settings.RETURN_WINDOW_DAYS) * 86400.0,
        activity_timeout_seconds=config.activity_timeout_seconds,
        retry_initial_interval_seconds=config.retry_initial_interval_seconds,
        retry_maximum_interval_seconds=config.retry_maximum_interval_seconds,
        email_task_queue=config.email_task_queue,
    )


def start_return_workflow(
    order_number: str,
    return_number: str,
    seq: int,
    *,
    ship_by: datetime,
    auto_approve: bool,
    fail_fast: bool = False,
) -> bool:
    """Start ``ReturnWorkflow`` (id ``return-<order>-<k>``). True if started now, False if it
    already existed. Raises ``TemporalUnavailable`` (at once, with ``fail_fast``, while starts
    are paused after a failed one: see ``start_order_workflow``)."""
    key = (settings.TEMPORAL_ADDRESS, settings.TEMPORAL_NAMESPACE)
    if fail_fast and time.monotonic() < starts_paused_until.get(key, 0.0):
        raise TemporalUnavailable("Temporal did not answer a moment ago; not tried again yet.")
    payload = return_input(order_number, return_number, ship_by=ship_by, auto_approve=auto_approve)

    async def _start() -> bool:
        client = await get_client()
        try:
            await client.start_workflow(
                ReturnWorkflow.run,
                payload,
                id=return_workflow_id(order_number, seq),
                task_queue=settings.TEMPORAL_TASK_QUEUE,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                rpc_timeout=rpc_timeout(),
            )
        except WorkflowAlreadyStartedError:
            return False
        return True

    try:
        return run(_start())
    except TemporalUnavailable:
        pause = float(getattr(settings, "TEMPORAL_START_PAUSE_SECONDS", 15.0))
        starts_paused_until[key] = time.monotonic() + pause
        raise


def _signal(order_number: str, seq: int, name: str, arg: object) -> None:
    async def _send() -> None:
        client = await get_client()
        handle = client.get_workflow_handle(return_workflow_id(order_number, seq))
        await handle.signal(name, arg, rpc_timeout=rpc_timeout())

    run(_send())


def signal_return_decision(order_number: str, seq: int, decision: ReturnDecision) -> None:
    _signal(order_number, seq, "decide", decision)


def signal_return_receipt(order_number: str, seq: int, receipt: ReturnReceipt) -> None:
    _signal(order_number, seq, "receive", receipt)


def signal_return_carrier_event(order_number: str, seq: int, event: CarrierEvent) -> None:
    _signal(order_number, seq, "carrier_event", event)


def query_return_progress(order_number: str, seq: int) -> ReturnProgress:
    async def _query() -> ReturnProgress:
        client = await get_client()
        handle = client.get_workflow_handle(return_workflow_id(order_number, seq))
        return await handle.query(ReturnWorkflow.progress, rpc_timeout=query_timeout())

    return run(_query())


@dataclass
class ReturnSnapshot:
    workflow_id: str
    run_id: str
    status: str  # RUNNING, COMPLETED, FAILED, ...
    pending_activities: list[tuple[str, int, str]] = field(default_factory=list)
    progress: ReturnProgress | None = None


def describe_return_workflow(order_number: str, seq: int) -> ReturnSnapshot:
    """Execution status, pending activities (name, attempt, last failure) and progress, for
    the admin. Raises ``TemporalUnavailable`` or ``WorkflowNotFound``."""

    async def _describe() -> ReturnSnapshot:
        client = await get_client()
        handle = client.get_workflow_handle(return_workflow_id(order_number, seq))
        desc = await handle.describe(rpc_timeout=rpc_timeout())
        pending = [
            (
                act.activity_type.name,
                act.attempt,
                act.last_failure.message if act.HasField("last_failure") else "",
            )
            for act in desc.raw_description.pending_activities
        ]
        try:
            progress = await handle.query(ReturnWorkflow.progress, rpc_timeout=query_timeout())
        except (RPCError, RPCTimeoutOrCancelledError, TimeoutError):
            progress = None  # a query needs a worker; the panel still shows the rest
        status = desc.status.name if isinstance(desc.status, WorkflowExecutionStatus) else "UNKNOWN"
        return ReturnSnapshot(desc.id, desc.run_id, status, pending, progress)

    return run(_describe())


def return_workflow_ui_url(order_number: str, seq: int) -> str:
    base = settings.TEMPORAL_UI_URL.rstrip("/")
    workflow_id = quote(return_workflow_id(order_number, seq))
    return f"{base}/namespaces/{settings.TEMPORAL_NAMESPACE}/workflows/{workflow_id}"
