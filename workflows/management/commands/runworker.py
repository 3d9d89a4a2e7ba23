"""``python manage.py runworker``: run the Temporal worker for orders.

Connects with the settings (address, namespace, API key / mTLS), retrying for
``--connect-timeout`` seconds, then serves, by default, both task queues: the orders queue
(``TEMPORAL_TASK_QUEUE``: ``OrderWorkflow`` and its activities on ``--max-concurrent-activities``
threads) and the email queue (``TEMPORAL_EMAIL_TASK_QUEUE``: the steps that talk to the mail
server, on ``--max-concurrent-email-activities`` threads of their own, so a hung mail server
can't take the slots payments and shipments need). ``--task-queue Q`` serves only ``Q`` (a
separate email pool in production: ``--task-queue emails``). Every
``ORDER_SWEEP_INTERVAL_SECONDS`` the orders that have no workflow yet are started: by the
Temporal Schedule ``shop-sweeper`` (synced at start with the other schedules, see
``workflows.schedules``), or, with ``TEMPORAL_SCHEDULES`` off or unsyncable, by a sweeper thread.

SIGINT/SIGTERM drain: polling stops and running activities get ``--graceful-shutdown-timeout``
seconds; the process exits at the latest ``DRAIN_MARGIN_SECONDS`` after that, whatever an
activity does (a sync activity can't be interrupted; it is retried elsewhere). A second signal
exits at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from orders.services.checkout import start_pending_orders
from refunds.services import start_pending_refunds
from returns.services.requesting import start_pending_returns
from workflows import schedules
from workflows.client import connect
from workflows.connection import register_search_attributes
from workflows.steps import close_stale_connections
from workflows.telemetry import MetricsServer
from workflows.worker import create_worker

logger = logging.getLogger("workflows.runworker")

# How long past the drain time a stopping worker may take before the process ends anyway.
DRAIN_MARGIN_SECONDS = 5.0


class Command(BaseCommand):
    help = "Run the Temporal worker that processes orders (OrderWorkflow and its activities)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--task-queue",
            default=None,
            help="Serve only this queue (default: TEMPORAL_TASK_QUEUE and "
            "TEMPORAL_EMAIL_TASK_QUEUE).",
        )
        parser.add_argument(
            "--max-concurrent-activities",
            type=int,
            default=10,
            help="Activities run at once (also the size of the activity thread pool).",
        )
        parser.add_argument(
            "--max-concurrent-email-activities",
            type=int,
            default=4,
            help="Email steps run at once on the email queue (its own thread pool).",
        )
        parser.add_argument(
            "--connect-timeout",
            type=float,
            default=30.0,
            help="Seconds to keep retrying to reach Temporal before giving up.",
        )
        parser.add_argument(
            "--graceful-shutdown-timeout",
            type=float,
            default=30.0,
            help="Seconds running activities get to finish after SIGINT/SIGTERM.",
        )
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=None,
            help="Seconds between starts of orders without a workflow "
            "(default: ORDER_SWEEP_INTERVAL_SECONDS; 0 disables).",
        )
        parser.add_argument(
            "--metrics-bind",
            default=None,
            help="HOST:PORT serving Prometheus metrics (Temporal SDK and shop) on /metrics "
            "(default: METRICS_BIND; empty: off).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        size = options["max_concurrent_activities"]
        email_size = options["max_concurrent_email_activities"]
        if size < 1 or email_size < 1:
            raise CommandError("--max-concurrent-(email-)activities must be at least 1.")
        sweep = options["sweep_interval"]
        if sweep is None:
            sweep = float(settings.ORDER_SWEEP_INTERVAL_SECONDS)
        bind = options["metrics_bind"]
        if bind is None:
            bind = settings.METRICS_BIND
        try:
            metrics = MetricsServer(bind).start() if bind else None
        except (ValueError, OSError) as exc:
            raise CommandError(f"--metrics-bind {bind}: {exc}") from exc
        runner = WorkerRunner(
            metrics=metrics,
            queues=served_queues(options["task_queue"], size, email_size),
            connect_timeout=options["connect_timeout"],
            graceful_shutdown_timeout=options["graceful_shutdown_timeout"],
            sweep_interval=sweep,
        )
        asyncio.run(runner.run())
        if _from_command_line():
            # The SDK's native threads can call back into Python while the interpreter
            # finalizes and abort it ("PyGILState_Release ... finalizing"): the worker is done
            # and everything is flushed, so leave without finalizing.
            close_old_connections()
            if runner.error:
                self.stderr.write(f"CommandError: {runner.error}")
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(1 if runner.error else 0)
        if runner.error:
            raise CommandError(runner.error)


class WorkerRunner:
    def __init__(
        self,
        *,
        queues: list[Queue],
        metrics: MetricsServer | None = None,
        connect_timeout: float,
        graceful_shutdown_timeout: float,
        sweep_interval: float,
    ) -> None:
        self.queues = queues
        self.metrics = metrics
        self.connect_timeout = connect_timeout
        self.graceful_shutdown_timeout = graceful_shutdown_timeout
        self.sweep_interval = sweep_interval
        self.error = ""
        self.signals = 0
        self.stop_sweeping = threading.Event()

    async def connect(self) -> Any:
        deadline = time.monotonic() + self.connect_timeout
        attempt = 0
        while True:
            attempt += 1
            remaining = deadline - time.monotonic()
            try:
                return await connect(
                    timeout=max(1.0, min(5.0, remaining)),
                    runtime=self.metrics.runtime if self.metrics else None,
                )
            except Exception as exc:
                if time.monotonic() + 1 >= deadline:
                    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    self.error = (
                        f"Could not reach Temporal at {settings.TEMPORAL_ADDRESS} "
                        f"(namespace {settings.TEMPORAL_NAMESPACE}) after {attempt} attempt(s) "
                        f"in {self.connect_timeout:g}s: {detail}"
                    )
                    return None
                logger.warning("Temporal not reachable yet (attempt %s): retrying", attempt)
                await asyncio.sleep(min(1.0, max(0.1, deadline - time.monotonic() - 1)))

    async def run(self) -> None:
        client = await self.connect()
        if client is None:
            return
        if settings.TEMPORAL_SEARCH_ATTRIBUTES:
            await ensure_search_attributes(client)
        workers = [
            create_worker(
                client,
                task_queue=queue.name,
                max_concurrent_activities=queue.size,
                graceful_shutdown_timeout=timedelta(seconds=self.graceful_shutdown_timeout),
                workflows=queue.workflows,
            )
            for queue in self.queues
        ]
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.on_signal, workers)
        serves_workflows = any(q.workflows for q in self.queues)
        scheduled = serves_workflows and await self.sync_schedules(client)
        sweeper = self.start_sweeper() if serves_workflows and not scheduled else None
        for queue in self.queues:
            logger.info(
                "worker started: address=%s namespace=%s task_queue=%s "
                "max_concurrent_activities=%s workflows=%s",
                settings.TEMPORAL_ADDRESS,
                settings.TEMPORAL_NAMESPACE,
                queue.name,
                queue.size,
                queue.workflows,
            )
        try:
            await asyncio.gather(*(worker.run() for worker in workers))
        finally:
            self.stop_sweeping.set()
            if sweeper is not None:
                sweeper.join(timeout=5)
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        logger.info("worker stopped")

    async def sync_schedules(self, client: Any) -> bool:
        """Create/update the Temporal Schedules (``TEMPORAL_SCHEDULES``). False when they are
        off or could not be synced: then this process sweeps on its own thread."""
        if not settings.TEMPORAL_SCHEDULES:
            return False
        try:
            done = await schedules.sync(client, self.sweep_interval)
        except Exception:
            logger.exception("schedules not synced: sweeping from this worker instead")
            return False
        logger.info("schedules synced: %s", ", ".join(f"{k} {v}" for k, v in done.items()))
        return True

    def on_signal(self, workers: list[Any]) -> None:
        self.signals += 1
        if self.signals == 1:
            logger.info(
                "draining: waiting up to %gs for running activities (signal again to exit now)",
                self.graceful_shutdown_timeout,
            )
            self.stop_sweeping.set()
            for worker in workers:
                asyncio.ensure_future(worker.shutdown())
            if _from_command_line():
                deadline = self.graceful_shutdown_timeout + DRAIN_MARGIN_SECONDS
                asyncio.get_running_loop().call_later(deadline, _exit_now, "drain time over")
        else:
            _exit_now("second signal")

    def start_sweeper(self) -> threading.Thread | None:
        if self.sweep_interval <= 0:
            return None
        thread = threading.Thread(target=self.sweep_forever, name="order-sweeper", daemon=True)
        thread.start()
        return thread

    def sweep_forever(self) -> None:
        while not self.stop_sweeping.is_set():
            sweep_once()
            if self.stop_sweeping.wait(self.sweep_interval):
                break


@dataclass(frozen=True)
class Queue:
    name: str
    size: int
    workflows: bool  # the orders queue runs the workflows; the email queue only activities


def served_queues(only: str | None, size: int, email_size: int) -> list[Queue]:
    """The queues this process serves: ``only``, or the orders queue and the email queue."""
    orders, emails = settings.TEMPORAL_TASK_QUEUE, settings.TEMPORAL_EMAIL_TASK_QUEUE
    if only:
        is_email = bool(emails) and only == emails and only != orders
        return [Queue(only, email_size if is_email else size, workflows=not is_email)]
    queues = [Queue(orders, size, workflows=True)]
    if emails and emails != orders:
        queues.append(Queue(emails, email_size, workflows=False))
    return queues


async def ensure_search_attributes(client: Any) -> None:
    """Register the orders' search attributes if the server lacks them; a server that refuses
    is logged (orders would fail their first workflow task: register them, or set
    ``TEMPORAL_SEARCH_ATTRIBUTES=false``)."""
    try:
        added = await register_search_attributes(client)
    except Exception as exc:
        logger.error("search attributes not registered (%s): %s", type(exc).__name__, exc)
        return
    if added:
        logger.info("search attributes registered: %s", ", ".join(added))


def _exit_now(why: str) -> None:
    logger.warning("%s: exiting now", why)
    logging.shutdown()
    os._exit(1)


def _from_command_line() -> bool:
    return threading.current_thread() is threading.main_thread() and sys.argv[1:2] == ["runworker"]


def sweep_once() -> int:
    """Start the orders that have no workflow yet; never raises (logs instead)."""
    close_stale_connections()
    try:
        started = start_pending_orders()
        refunds = start_pending_refunds()  # refunds saved while Temporal was away, too
        returns = start_pending_returns()  # and returns
    except Exception:
        logger.exception("sweeper: starting pending orders failed")
        return 0
    finally:
        close_stale_connections()
    if started:
        logger.info("sweeper: started %s pending order(s)", started)
    if refunds:
        logger.info("sweeper: started %s pending refund(s)", refunds)
    if returns:
        logger.info("sweeper: started %s pending return(s)", returns)
    return started
