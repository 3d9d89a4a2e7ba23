"""``python manage.py runworker``: run the Temporal worker for orders.

Connects with the settings (address, namespace, API key / mTLS), retrying for
``--connect-timeout`` seconds, then runs ``OrderWorkflow`` and its activities on a thread pool
of ``--max-concurrent-activities`` threads. Every ``ORDER_SWEEP_INTERVAL_SECONDS`` a sweeper
thread starts the orders that have no workflow yet. SIGINT/SIGTERM drain gracefully (running
activities finish); a second signal exits at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from orders.services.checkout import start_pending_orders
from workflows.client import connect
from workflows.steps import close_stale_connections
from workflows.worker import create_worker

logger = logging.getLogger("workflows.runworker")


class Command(BaseCommand):
    help = "Run the Temporal worker that processes orders (OrderWorkflow and its activities)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--task-queue", default=None, help="Default: TEMPORAL_TASK_QUEUE.")
        parser.add_argument(
            "--max-concurrent-activities",
            type=int,
            default=10,
            help="Activities run at once (also the size of the activity thread pool).",
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

    def handle(self, *args: Any, **options: Any) -> None:
        task_queue = options["task_queue"] or settings.TEMPORAL_TASK_QUEUE
        size = options["max_concurrent_activities"]
        if size < 1:
            raise CommandError("--max-concurrent-activities must be at least 1.")
        sweep = options["sweep_interval"]
        if sweep is None:
            sweep = float(settings.ORDER_SWEEP_INTERVAL_SECONDS)
        runner = WorkerRunner(
            task_queue=task_queue,
            max_concurrent_activities=size,
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
        task_queue: str,
        max_concurrent_activities: int,
        connect_timeout: float,
        graceful_shutdown_timeout: float,
        sweep_interval: float,
    ) -> None:
        self.task_queue = task_queue
        self.size = max_concurrent_activities
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
                return await connect(timeout=max(1.0, min(5.0, remaining)))
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
        worker = create_worker(
            client,
            task_queue=self.task_queue,
            max_concurrent_activities=self.size,
            graceful_shutdown_timeout=timedelta(seconds=self.graceful_shutdown_timeout),
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.on_signal, worker)
        sweeper = self.start_sweeper()
        logger.info(
            "worker started: address=%s namespace=%s task_queue=%s max_concurrent_activities=%s",
            settings.TEMPORAL_ADDRESS,
            settings.TEMPORAL_NAMESPACE,
            self.task_queue,
            self.size,
        )
        try:
            await worker.run()
        finally:
            self.stop_sweeping.set()
            if sweeper is not None:
                sweeper.join(timeout=5)
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        logger.info("worker stopped")

    def on_signal(self, worker: Any) -> None:
        self.signals += 1
        if self.signals == 1:
            logger.info(
                "draining: waiting up to %gs for running activities (signal again to exit now)",
                self.graceful_shutdown_timeout,
            )
            self.stop_sweeping.set()
            asyncio.ensure_future(worker.shutdown())
        else:
            logger.warning("second signal: exiting now")
            logging.shutdown()
            os._exit(1)

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


def _from_command_line() -> bool:
    return threading.current_thread() is threading.main_thread() and sys.argv[1:2] == ["runworker"]


def sweep_once() -> int:
    """Start the orders that have no workflow yet; never raises (logs instead)."""
    close_stale_connections()
    try:
        started = start_pending_orders()
    except Exception:
        logger.exception("sweeper: starting pending orders failed")
        return 0
    finally:
        close_stale_connections()
    if started:
        logger.info("sweeper: started %s pending order(s)", started)
    return started
