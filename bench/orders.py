"""Order processing benchmark: our OrderWorkflow against a bare workflow, same run, same server.

    python -m bench.orders [--latency-orders 30] [--concurrent-orders 40] [--rounds 2]
                           [--variants bare,ours,regular] [--max-concurrent-activities 10]
                           [--products 10] [--conn-max-age N]
                           [--temporal-address HOST:PORT] [--database-url URL]

(a) latency from ``orders.services.place_order`` to the confirmation email sent, sequential,
p50/p95; (b) throughput of N orders placed concurrently, until all confirmations are sent.
Baseline: ``bench.bare_workflow.BareWorkflow`` with as many no-op activities as the order has
steps up to the confirmation email, run by a worker of the same size in the same process,
interleaved with ours so machine noise hits both alike. Variant ``regular``: the same order
workflow with every step a regular activity, as before the ``local-db-steps`` patch
(``bench.regular_workflow``). Variant ``sandboxed``: ours with the SDK's default sandbox (the
workflow's modules re-executed for every run, as the worker did before issue 20).
Prints a table and writes ``bench/results/orders-<sqlite|postgresql>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import statistics
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from decimal import Decimal

from bench.common import engine, machine, setup_django, summary, write_json
from bench.orders_report import report
from bench.placing import cpu_seconds, place_one, placer_init, placer_place, placer_ready

LATENCY_POLL_SECONDS = 0.005
THROUGHPUT_POLL_SECONDS = 0.05
VARIANTS = ("bare", "ours", "regular", "sandboxed")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-orders", type=int, default=30)
    parser.add_argument("--concurrent-orders", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2, help="throughput rounds per variant")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument(
        "--placing-processes",
        type=int,
        default=4,
        help="concurrent orders are placed from N processes, as web workers would "
        "(0: threads of the worker's process)",
    )
    parser.add_argument("--placing-threads", type=int, default=8, help="with 0 processes")
    parser.add_argument("--max-concurrent-activities", type=int, default=10)
    parser.add_argument("--products", type=int, default=10, help="orders cycle over N products")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=None,
        help="override CONN_MAX_AGE (experiment: persistent connections on SQLite)",
    )
    parser.add_argument(
        "--bare-steps",
        type=int,
        default=0,
        help="no-op activities in the bare workflow (default: ours' remote ones, BARE_STEPS)",
    )
    parser.add_argument("--temporal-address", default="", help="reuse a running server")
    parser.add_argument("--database-url", default="", help="default: DATABASE_URL or SQLite")
    args = parser.parse_args(argv)
    args.variants = [v for v in args.variants.split(",") if v]
    unknown = set(args.variants) - set(VARIANTS)
    if unknown or "bare" not in args.variants:
        parser.error(f"--variants: choose from {', '.join(VARIANTS)}, including bare")
    return args


class Bench:
    """A dev server (or ``--temporal-address``), one worker per variant in this process."""

    def __init__(self, args: argparse.Namespace) -> None:
        from django.conf import settings

        from workflows.client import connect, reset_client
        from workflows.devserver import DevServer
        from workflows.loop import BackgroundLoop

        self.args = args
        self.server = None
        if args.temporal_address:
            settings.TEMPORAL_ADDRESS = args.temporal_address
        else:
            self.server = DevServer(headless=True).start()
            settings.TEMPORAL_ADDRESS = self.server.address
        run_id = uuid.uuid4().hex[:6]
        self.queues = {v: f"bench-{v}-{run_id}" for v in args.variants}
        reset_client()
        self.loop = BackgroundLoop("bench-worker")
        self.client = self.loop.run(connect(timeout=30), timeout=60)
        self.products = self._make_products(run_id, args.products)
        self._turn = itertools.count()
        self.workers: list = []
        self.loop.run(self._start_workers(), timeout=60)
        self.placers = None
        if args.placing_processes:
            # Spawned, not forked: this process already runs threads (loop, worker core).
            self.placers = ProcessPoolExecutor(
                args.placing_processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=placer_init,
                initargs=(settings.TEMPORAL_ADDRESS, args.conn_max_age),
            )
            list(self.placers.map(placer_ready, range(args.placing_processes)))

    async def _start_workers(self) -> None:
        # Workers must be built on the loop that runs them (the workflow runtime binds to it).
        from django.conf import settings
        from temporalio.worker import Worker
        from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

        from bench.bare_workflow import BARE_RUNNER, BareWorkflow, noop
        from bench.regular_workflow import RegularStepsOrderWorkflow
        from workflows.worker import ACTIVITIES, WORKFLOWS, ActivityExecutor, create_worker

        try:  # the module passthrough of issue 20 (absent from older trees: the default)
            from workflows.worker import WORKFLOW_RUNNER
        except ImportError:
            WORKFLOW_RUNNER = SandboxedWorkflowRunner()

        size = self.args.max_concurrent_activities
        for variant, queue in self.queues.items():
            if variant == "ours":
                worker = create_worker(
                    self.client, task_queue=queue, max_concurrent_activities=size
                )
            elif variant == "sandboxed":  # the worker as before issue 20's module passthrough
                worker = Worker(
                    self.client,
                    task_queue=queue,
                    workflows=WORKFLOWS,
                    activities=ACTIVITIES,
                    activity_executor=ActivityExecutor(size),
                    max_concurrent_activities=size,
                    workflow_runner=SandboxedWorkflowRunner(),
                )
            else:
                bare = variant == "bare"
                worker = Worker(
                    self.client,
                    task_queue=queue,
                    workflows=[BareWorkflow if bare else RegularStepsOrderWorkflow],
                    # The bare floor gets the module passthrough ours has (workflows/worker.py)
                    workflow_runner=BARE_RUNNER if bare else WORKFLOW_RUNNER,
                    activities=[noop] if bare else ACTIVITIES,
                    activity_executor=ThreadPoolExecutor(size, thread_name_prefix=variant),
                    max_concurrent_activities=size,
                )
            self.workers.append(worker)
        if settings.TEMPORAL_EMAIL_TASK_QUEUE:  # the email steps' own pool, as runworker's
            self.workers.append(
                create_worker(
                    self.client,
                    task_queue=settings.TEMPORAL_EMAIL_TASK_QUEUE,
                    max_concurrent_activities=4,
                    workflows=False,
                )
            )
        self._tasks = [asyncio.ensure_future(w.run()) for w in self.workers]
        await asyncio.sleep(0.5)

    def close(self) -> None:
        async def _stop() -> None:
            await asyncio.gather(*(w.shutdown() for w in self.workers))

        if self.placers is not None:
            self.placers.shutdown()
        try:
            self.loop.run(_stop(), timeout=60)
        finally:
            self.loop.stop()
            if self.server:
                self.server.stop()

    @staticmethod
    def _make_products(run_id: str, count: int) -> list:
        from catalog.models import Category, Product, StockLevel

        category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
        products = []
        for n in range(count):
            product = Product.objects.create(
                category=category,
                sku=f"BENCH-{run_id}-{n}",
                slug=f"bench-{run_id}-{n}",
                name=f"Bench item {run_id} {n}",
                price=Decimal("9.99"),
            )
            StockLevel.objects.create(product=product, quantity=1_000_000)
            products.append(product)
        return products

    # --- our workflow (and its pre-patch variant) ------------------------------------------
    def place(self, clock: list[float] | None = None) -> str:
        from django.db import close_old_connections

        order = place_one(self.products[next(self._turn) % len(self.products)], clock)
        if order.workflow_started_at is None:
            raise RuntimeError(f"order {order.number}: the workflow did not start")
        close_old_connections()
        return order.number

    @staticmethod
    def confirmed(numbers: list[str]) -> int:
        """How many of these orders have their confirmation email sent. Raw SQL: the poll
        runs every few milliseconds beside the worker, so it must cost next to nothing
        (the ORM's query building took 13% of the process's GIL time)."""
        from django.db import connection

        from orders.models import EmailNotification, Order

        marks = ", ".join(["%s"] * len(numbers))
        sql = (
            f"SELECT COUNT(*) FROM {EmailNotification._meta.db_table} e "
            f"JOIN {Order._meta.db_table} o ON o.id = e.order_id "
            f"WHERE o.number IN ({marks}) AND e.kind = %s AND e.sent_at IS NOT NULL"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*numbers, EmailNotification.Kind.CONFIRMATION])
            return cursor.fetchone()[0]

    def wait_confirmed(self, numbers: list[str], poll: float, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.confirmed(numbers) < len(numbers):
            if time.monotonic() > deadline:
                missing = len(numbers) - self.confirmed(numbers)
                raise TimeoutError(f"{missing} orders unconfirmed after {timeout}s")
            time.sleep(poll)

    def _use_queue(self, variant: str) -> None:
        from django.conf import settings

        settings.TEMPORAL_TASK_QUEUE = self.queues[variant]  # read by place_order's start

    def order_latency(self, variant: str) -> tuple[float, float, str]:
        """(seconds to the confirmation email, seconds placing, workflow id)."""
        self._use_queue(variant)
        clock: list[float] = []
        number = self.place(clock)
        started = clock[0]  # place_order called (the cart was filled before)
        placed = time.perf_counter() - started
        self.wait_confirmed([number], LATENCY_POLL_SECONDS, timeout=60)
        return time.perf_counter() - started, placed, f"order-{number}"

    def order_throughput(self, variant: str, count: int) -> tuple[float, list[str]]:
        """(orders per second, workflow ids)."""
        self._use_queue(variant)
        started = time.perf_counter()
        if self.placers is not None:
            queue = self.queues[variant]
            jobs = [(p.pk, queue) for p in itertools.islice(itertools.cycle(self.products), count)]
            numbers = list(self.placers.map(placer_place, jobs))
        else:
            with ThreadPoolExecutor(self.args.placing_threads) as pool:
                numbers = list(pool.map(lambda _: self.place(), range(count)))
        self.wait_confirmed(numbers, THROUGHPUT_POLL_SECONDS)
        return count / (time.perf_counter() - started), [f"order-{n}" for n in numbers]

    # --- bare ------------------------------------------------------------------------------
    def _bare_start(self, count: int) -> list[str]:
        from bench.bare_workflow import BARE_STEPS

        steps = self.args.bare_steps or BARE_STEPS
        ids = [f"bare-{uuid.uuid4().hex}" for _ in range(count)]

        async def _start() -> None:
            await asyncio.gather(
                *[
                    self.client.start_workflow(
                        "BenchBareWorkflow", steps, id=wid, task_queue=self.queues["bare"]
                    )
                    for wid in ids
                ]
            )

        self.loop.run(_start(), timeout=60)
        return ids

    def bare_latency(self) -> tuple[float, float, str]:
        """Start to the last no-op run (the same clock as an order's: start to its last
        step's effect)."""
        from bench.bare_workflow import wait_done

        started = time.perf_counter()
        (workflow_id,) = self._bare_start(1)
        done = wait_done([workflow_id], timeout=60)
        return done - started, 0.0, workflow_id

    def bare_throughput(self, count: int) -> tuple[float, list[str]]:
        from bench.bare_workflow import wait_done

        started = time.perf_counter()
        ids = self._bare_start(count)
        wait_done(ids, timeout=300)
        return count / (time.perf_counter() - started), ids

    # --- both ------------------------------------------------------------------------------
    def latency(self, variant: str) -> tuple[float, float, str]:
        return self.bare_latency() if variant == "bare" else self.order_latency(variant)

    def throughput(self, variant: str, count: int) -> tuple[float, list[str], dict[str, float]]:
        """(per second, workflow ids, CPU milliseconds per order by process group)."""
        before = self.cpu_seconds()
        if variant == "bare":
            rate, ids = self.bare_throughput(count)
        else:
            rate, ids = self.order_throughput(variant, count)
        after = self.cpu_seconds()
        return rate, ids, {k: 1000 * (after[k] - before[k]) / count for k in after}

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) used so far by this process (worker, client), the
        Temporal dev server and the placing processes."""
        pids = {"worker process": [os.getpid()]}
        if self.server is not None and self.server.process is not None:
            pids["temporal server"] = [self.server.process.pid]
        if self.placers is not None:
            pids["placing processes"] = list(self.placers._processes)
        return {group: sum(cpu_seconds(pid) for pid in ps) for group, ps in pids.items()}

    def breakdowns(self, workflow_ids: dict[str, list[str]]) -> dict[str, dict]:
        from bench.history import breakdown, median_breakdown

        async def _all() -> dict[str, dict]:
            out = {}
            for variant, ids in workflow_ids.items():
                until = None if variant == "bare" else "send_confirmation_email"
                out[variant] = median_breakdown(
                    [await breakdown(self.client, wid, until) for wid in ids]
                )
            return out

        return self.loop.run(_all(), timeout=120)


def measure(args: argparse.Namespace) -> dict:
    bench = Bench(args)
    variants = args.variants
    latency: dict[str, list[float]] = {v: [] for v in variants}
    placing: dict[str, list[float]] = {v: [] for v in variants}
    ids: dict[str, list[str]] = {v: [] for v in variants}
    rates: dict[str, list[float]] = {v: [] for v in variants}
    concurrent_ids: dict[str, list[str]] = {v: [] for v in variants}
    cpu: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
    try:
        for _ in range(3):  # warm up every path (imports, sandbox, connections)
            for v in variants:
                bench.latency(v)
        for _ in range(args.latency_orders):  # interleaved: noise hits all alike
            for v in variants:
                seconds, placed, workflow_id = bench.latency(v)
                latency[v].append(seconds)
                placing[v].append(placed)
                ids[v].append(workflow_id)
        for _ in range(args.rounds):
            for v in variants:
                rate, concurrent_ids[v], cpu_ms = bench.throughput(v, args.concurrent_orders)
                rates[v].append(rate)
                cpu[v].append(cpu_ms)
        breakdowns = {
            "sequential": bench.breakdowns(ids),
            "concurrent": bench.breakdowns(concurrent_ids),  # the last round of each
        }
    finally:
        bench.close()
    stats = {v: summary(latency[v]) for v in variants}
    return {
        "machine": machine(),
        "params": vars(args),
        "latency_seconds": stats,
        "placing_seconds": {v: summary(placing[v]) for v in variants if v != "bare"},
        "latency_ratio_p50": {v: stats[v]["p50"] / stats["bare"]["p50"] for v in variants},
        "latency_ratio_p95": {v: stats[v]["p95"] / stats["bare"]["p95"] for v in variants},
        "throughput_orders_per_second": rates,
        "throughput_ratio": {
            v: statistics.median(rates[v]) / statistics.median(rates["bare"]) for v in variants
        },
        "breakdown_seconds": breakdowns,
        "cpu_ms_per_order": {
            v: {k: statistics.median(r[k] for r in rows) for k in rows[0]}
            for v, rows in cpu.items()
            if rows
        },
        "targets": {"throughput_ratio_min": 0.9, "worker_cpu_ratio_max": 1.5},
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url  # inherited by the placing processes
    setup_django(conn_max_age=args.conn_max_age)
    result = measure(args)
    path = write_json(f"orders-{engine()}", result)
    print(report(result))
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
