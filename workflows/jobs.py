"""The activities of ``MaintenanceWorkflow``: one periodic job each, one service call each.

Like ``@order_step``: stale connections closed around the call, the outcome logged; the time
of the last success is a metric (``shop_scheduled_job_last_success_timestamp_seconds``, alert
``ScheduledJobMissed``).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from temporalio import activity
from temporalio.exceptions import ApplicationError

from cart.services import delete_orphaned_anonymous_carts, delete_stale_anonymous_carts
from orders.services.checkout import start_pending_orders
from orders.services.reconciliation import settle, unrecorded
from refunds.services import start_pending_refunds
from returns.services.requesting import start_pending_returns
from shop.metrics import JOB_LAST_SUCCESS
from workflows.maintenance import JOB_RECONCILE, JOB_STALE_CARTS, JOB_SWEEP
from workflows.steps import close_stale_connections

logger = logging.getLogger("workflows.jobs")


def job(name: str) -> Callable[[Callable[[], str]], Callable[[], str]]:
    def decorate(fn: Callable[[], str]) -> Callable[[], str]:
        @functools.wraps(fn)
        def run() -> str:
            close_stale_connections()
            try:
                summary = fn()
            finally:
                close_stale_connections()
            JOB_LAST_SUCCESS.labels(job=name).set(time.time())
            logger.info("job %s: %s", name, summary)
            return summary

        return activity.defn(name=name)(run)

    return decorate


@job(JOB_SWEEP)
def sweep_pending_orders() -> str:
    orders = start_pending_orders()
    refunds = start_pending_refunds()
    returns = start_pending_returns()
    return f"started {orders} pending order(s), {refunds} refund(s), {returns} return(s)"


@job(JOB_STALE_CARTS)
def clear_stale_carts() -> str:
    orphans = delete_orphaned_anonymous_carts()
    stale = delete_stale_anonymous_carts(timedelta(seconds=settings.SESSION_COOKIE_AGE))
    return f"deleted {orphans} orphaned and {stale} stale anonymous cart(s)"


@job(JOB_RECONCILE)
def reconcile_payments() -> str:
    """Give back provider money with no payment record (``manage.py reconcile_payments
    --settle``); fails (so the run shows failed, and alerts) while something is left."""
    try:
        findings = [settle(finding) for finding in unrecorded()]
    except NotImplementedError as exc:  # a provider that can't list its transactions
        return f"skipped: {exc}"
    left = [f for f in findings if not f.action.startswith(("voided", "refunded"))]
    if left:
        raise ApplicationError(
            f"{len(left)} provider movement(s) without a record left unsettled",
            type="ReconciliationIncomplete",
            non_retryable=True,
        )
    return f"settled {len(findings)} unrecorded provider movement(s)"


JOB_ACTIVITIES = [sweep_pending_orders, clear_stale_carts, reconcile_payments]
