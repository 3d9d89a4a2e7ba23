"""Temporal calls for refunds (re-exported by ``workflows.client``, the shop's one door).

Start a refund's workflow (id ``refund-<order>-<k>``; a duplicate start is success), ask its
progress, describe it for the admin's panel, link it in the Temporal UI.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from temporalio.client import RPCTimeoutOrCancelledError, WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from workflows.config import workflow_config
from workflows.connection import get_client, query_timeout, rpc_timeout, run
from workflows.refund_types import RefundInput, RefundProgress, refund_workflow_id
from workflows.refund_workflow import RefundWorkflow


def refund_input(order_number: str, refund_number: str) -> RefundInput:
    config = workflow_config()
    return RefundInput(
        order_number=order_number,
        refund_number=refund_number,
        activity_timeout_seconds=config.activity_timeout_seconds,
        retry_initial_interval_seconds=config.retry_initial_interval_seconds,
        retry_maximum_interval_seconds=config.retry_maximum_interval_seconds,
        email_task_queue=config.email_task_queue,
    )


def start_refund_workflow(order_number: str, refund_number: str) -> bool:
    """Start the refund's workflow. True if started now, False if it existed already (started
    by an earlier attempt or the sweeper: success too). Raises ``TemporalUnavailable``."""

    async def _start() -> bool:
        client = await get_client()
        try:
            await client.start_workflow(
                RefundWorkflow.run,
                refund_input(order_number, refund_number),
                id=refund_workflow_id(refund_number),
                task_queue=settings.TEMPORAL_TASK_QUEUE,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                rpc_timeout=rpc_timeout(),
            )
        except WorkflowAlreadyStartedError:
            return False
        return True

    return run(_start())


def query_refund_progress(refund_number: str) -> RefundProgress:
    """Raises ``TemporalUnavailable`` or ``WorkflowNotFound``."""

    async def _query() -> RefundProgress:
        client = await get_client()
        handle = client.get_workflow_handle_for(
            RefundWorkflow.run, refund_workflow_id(refund_number)
        )
        return await handle.query(RefundWorkflow.progress, rpc_timeout=query_timeout())

    return run(_query())


@dataclass
class RefundSnapshot:
    workflow_id: str
    status: str  # RUNNING, COMPLETED, FAILED, ...
    progress: RefundProgress | None = None


def describe_refund_workflow(refund_number: str) -> RefundSnapshot:
    """Execution status and progress, for the admin. Raises ``TemporalUnavailable`` or
    ``WorkflowNotFound``."""

    async def _describe() -> RefundSnapshot:
        client = await get_client()
        handle = client.get_workflow_handle_for(
            RefundWorkflow.run, refund_workflow_id(refund_number)
        )
        desc = await handle.describe(rpc_timeout=rpc_timeout())
        try:
            progress = await handle.query(RefundWorkflow.progress, rpc_timeout=query_timeout())
        except (RPCError, RPCTimeoutOrCancelledError, TimeoutError):
            progress = None  # a query needs a worker; the panel still shows the status
        status = desc.status.name if isinstance(desc.status, WorkflowExecutionStatus) else "UNKNOWN"
        return RefundSnapshot(workflow_id=desc.id, status=status, progress=progress)

    return run(_describe())


def refund_workflow_ui_url(refund_number: str) -> str:
    base = settings.TEMPORAL_UI_URL.rstrip("/")
    workflow_id = refund_workflow_id(refund_number)
    return f"{base}/namespaces/{settings.TEMPORAL_NAMESPACE}/workflows/{workflow_id}"
