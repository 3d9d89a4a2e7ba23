"""Scale-out: order throughput with 2 ``runworker`` processes against 1 on the same task queue,
and a SIGKILLed worker that is never restarted: the survivor finishes every order, once.

    python -m bench.scaleout [--orders 60] [--rounds 2] [--kill-orders 40]
                             [--activity-timeout 5] [--database-url URL]

Each worker is ``python manage.py runworker --task-queue Q`` in its own process (``DEBUG``
off, no sweeper, no schedules, emails on the same queue), on a dev server this script starts.
Orders are placed from threads of this process through ``place_order`` (which starts each
workflow), all at once; the clock stops when every confirmation email is sent.

Kill run: 2 workers, ``--kill-orders`` placed at once; once a quarter of them are confirmed,
one worker gets SIGKILL and is never restarted. Then: every order confirmed, and per order
exactly one authorization, one capture, one shipment, one reservation per line, one
confirmation email; stock down by exactly the units ordered. The takeover is bounded by
``ORDER_ACTIVITY_TIMEOUT_SECONDS`` (a lost regular activity is retried after it) and the
workflow task timeout, 10 s (a lost workflow task or local activity).
Writes ``bench/results/scaleout.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

from bench.common import ROOT, machine, setup_django, table, write_json
from bench.placing import cpu_seconds, place_one

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shop_bench"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=60, help="per throughput round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--kill-orders", type=int, default=40)
    parser.add_argument("--activity-timeout", type=float, default=5.0)
    parser.add_argument("--max-concurrent-activities", type=int, default=10)
    parser.add_argument("--placing-threads", type=int, default=8)
    parser.add_argument("--products", type=int, default=10)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    return parser.parse_args(argv)


class Workers:
    """``runworker`` processes on one queue."""

    def __init__(self, args: argparse.Namespace, address: str, queue: str, logs: Path) -> None:
        self.args, self.address, self.queue, self.logs = args, address, queue, logs
        self.processes: list[subprocess.Popen] = []

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "shop.settings",
                "DATABASE_URL": self.args.database_url,
                "DEBUG": "false",
                "SECRET_KEY": "bench-" + "x" * 60,
                "TEMPORAL_ADDRESS": self.address,
                "TEMPORAL_TASK_QUEUE": self.queue,
                "TEMPORAL_EMAIL_TASK_QUEUE": "",
                "ORDER_SWEEP_INTERVAL_SECONDS": "0",
                "TEMPORAL_SCHEDULES": "false",
                "EMAIL_URL": "dummymail://",
                "LOG_LEVEL": "WARNING",
                "METRICS_BIND": "",
                "ORDER_ACTIVITY_TIMEOUT_SECONDS": str(self.args.activity_timeout),
                "ORDER_RETRY_INITIAL_INTERVAL_SECONDS": "0.2",
                "ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS": "1.0",
            }
        )
        return env

    def start(self, count: int) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        for _ in range(count):
            n = len(self.processes) + 1
            with open(self.logs / f"worker-{n}.log", "ab") as log:
                self.processes.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "manage.py",
                            "runworker",
                            "--task-queue",
                            self.queue,
                            "--max-concurrent-activities",
                            str(self.args.max_concurrent_activities),
                        ],
                        cwd=ROOT,
                        env=self.env(),
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        time.sleep(6.0)  # Django set-up, connection, pollers
        for process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(f"a worker exited at start: see {self.logs}")

    def cpu(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.processes if p.poll() is None)

    def kill(self, index: int) -> None:
        self.processes[index].send_signal(signal.SIGKILL)
        self.processes[index].wait(10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(40)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes = []


def confirmed(numbers: list[str]) -> int:
    from orders.models import EmailNotification

    return (
        EmailNotification.objects.filter(
            order__number__in=numbers, kind=EmailNotification.Kind.CONFIRMATION
        )
        .exclude(sent_at=None)
        .count()
    )


def wait_confirmed(numbers: list[str], timeout: float, at_least: int | None = None) -> None:
    want = len(numbers) if at_least is None else at_least
    deadline = time.monotonic() + timeout
    while confirmed(numbers) < want:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{confirmed(numbers)}/{want} confirmed after {timeout:.0f}s")
        time.sleep(0.05)


def place_all(products: list, count: int, threads: int) -> list[str]:
    from django.db import close_old_connections

    def one(n: int) -> str:
        try:
            order = place_one(products[n % len(products)])
            if order.workflow_started_at is None:
                raise RuntimeError(f"order {order.number}: the workflow did not start")
            return order.number
        finally:
            close_old_connections()

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(count)))


def throughput(
    args: argparse.Namespace, address: str, workers: int, products: list, logs: Path
) -> dict:
    from django.conf import settings

    queue = f"bench-scale-{workers}-{uuid.uuid4().hex[:6]}"
    settings.TEMPORAL_TASK_QUEUE = queue
    pool = Workers(args, address, queue, logs / queue)
    pool.start(workers)
    try:
        # Warm-up: every worker's imports, sandbox and connections.
        wait_confirmed(place_all(products, 2 * workers, workers), timeout=120)
        cpu_before = pool.cpu()
        started = time.perf_counter()
        numbers = place_all(products, args.orders, args.placing_threads)
        wait_confirmed(numbers, timeout=300)
        seconds = time.perf_counter() - started
        return {
            "workers": workers,
            "orders": args.orders,
            "orders_per_second": args.orders / seconds,
            "worker_cpu_ms_per_order": 1000 * (pool.cpu() - cpu_before) / args.orders,
        }
    finally:
        pool.stop()


def exactly_once(numbers: list[str]) -> dict[str, int]:
    """Orders that break "once": counts of offenders per kind (all zero when correct)."""
    from django.db.models import Count, Q

    from orders.models import EmailNotification, GatewayTransaction, Order

    orders = Order.objects.filter(number__in=numbers).annotate(
        n_shipments=Count("shipment", distinct=True),
        n_reservations=Count("reservations", distinct=True),
        n_lines=Count("lines", distinct=True),
        n_confirmations=Count(
            "notifications",
            filter=Q(notifications__kind=EmailNotification.Kind.CONFIRMATION),
            distinct=True,
        ),
    )
    bad = {"missing": len(numbers) - orders.count(), "shipments": 0, "reservations": 0}
    bad.update({"confirmations": 0, "authorizations": 0, "captures": 0, "other gateway calls": 0})
    for order in orders:
        bad["shipments"] += order.n_shipments != 1
        bad["reservations"] += order.n_reservations != order.n_lines
        bad["confirmations"] += order.n_confirmations != 1
        calls = list(
            GatewayTransaction.objects.filter(
                idempotency_key__startswith=f"order-{order.number}-"
            ).values_list("kind", "status")
        )
        bad["authorizations"] += calls.count(("authorize", "succeeded")) != 1
        bad["captures"] += calls.count(("capture", "succeeded")) != 1
        bad["other gateway calls"] += len(calls) != 2
    return bad


def kill_run(args: argparse.Namespace, address: str, products: list, logs: Path) -> dict:
    from django.conf import settings

    from catalog.models import StockLevel

    queue = f"bench-kill-{uuid.uuid4().hex[:6]}"
    settings.TEMPORAL_TASK_QUEUE = queue
    pool = Workers(args, address, queue, logs / queue)
    pool.start(2)
    stock_before = sum(
        StockLevel.objects.filter(product__in=products).values_list("quantity", flat=True)
    )
    try:
        started = time.perf_counter()
        numbers = place_all(products, args.kill_orders, args.placing_threads)
        wait_confirmed(numbers, timeout=120, at_least=max(1, args.kill_orders // 4))
        done_at_kill = confirmed(numbers)
        killed_at = time.perf_counter()
        pool.kill(0)
        wait_confirmed(numbers, timeout=120)
        finished = time.perf_counter()
    finally:
        pool.stop()
    stock_after = sum(
        StockLevel.objects.filter(product__in=products).values_list("quantity", flat=True)
    )
    return {
        "orders": len(numbers),
        "confirmed_at_kill": done_at_kill,
        "seconds_to_kill": killed_at - started,
        "seconds_kill_to_all_confirmed": finished - killed_at,
        "offenders": exactly_once(numbers),
        "stock_taken": stock_before - stock_after,
    }


def make_products(count: int) -> list:
    from catalog.models import Category, Product, StockLevel

    run = uuid.uuid4().hex[:6]
    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    products = []
    for n in range(count):
        product = Product.objects.create(
            category=category,
            sku=f"SCALE-{run}-{n}",
            slug=f"scale-{run}-{n}",
            name=f"Scale item {run} {n}",
            price=Decimal("9.99"),
        )
        StockLevel.objects.create(product=product, quantity=1_000_000)
        products.append(product)
    return products


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["TEMPORAL_EMAIL_TASK_QUEUE"] = ""
    setup_django()
    from django.conf import settings

    from workflows.client import reset_client
    from workflows.devserver import DevServer

    settings.TEMPORAL_EMAIL_TASK_QUEUE = ""  # emails on the workers' one queue
    settings.ORDER_ACTIVITY_TIMEOUT_SECONDS = args.activity_timeout  # travels in OrderInput
    settings.ORDER_RETRY_INITIAL_INTERVAL_SECONDS = 0.2
    settings.ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS = 1.0
    server = DevServer(headless=True).start()
    settings.TEMPORAL_ADDRESS = server.address
    reset_client()
    logs = ROOT / "bench" / "results" / "scaleout-logs"
    try:
        products = make_products(args.products)
        rounds: dict[int, list[dict]] = {1: [], 2: []}
        for _ in range(args.rounds):  # interleaved: noise hits both alike
            for workers in (1, 2):
                rounds[workers].append(throughput(args, server.address, workers, products, logs))
        kill = kill_run(args, server.address, products, logs)
    finally:
        server.stop()
    rate = {w: statistics.median(r["orders_per_second"] for r in rs) for w, rs in rounds.items()}
    cpu = {
        w: statistics.median(r["worker_cpu_ms_per_order"] for r in rs) for w, rs in rounds.items()
    }
    payload = {
        "machine": machine(),
        "params": vars(args),
        "throughput": rounds,
        "scale_ratio": rate[2] / rate[1],
        "kill": kill,
    }
    path = write_json("scaleout", payload)
    rows = [["workers", "orders/s (median)", "ratio", "worker CPU per order"]]
    for w in (1, 2):
        rows.append([str(w), f"{rate[w]:.1f}", f"{rate[w] / rate[1]:.2f}", f"{cpu[w]:.0f} ms"])
    print(table(rows))
    once = all(v == 0 for v in kill["offenders"].values()) and kill["stock_taken"] == kill["orders"]
    print(
        f"\nkill run: {kill['orders']} orders, worker 1 SIGKILLed after "
        f"{kill['seconds_to_kill']:.1f}s ({kill['confirmed_at_kill']} confirmed), never "
        f"restarted; all confirmed {kill['seconds_kill_to_all_confirmed']:.1f}s later; "
        f"exactly once: {'yes' if once else 'NO'} {kill['offenders']}, "
        f"stock taken {kill['stock_taken']}"
    )
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
