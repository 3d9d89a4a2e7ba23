"""Order processing benchmark: our OrderWorkflow against a bare workflow, same run, same server.

    python -m bench.orders [--latency-orders 30] [--concurrent-orders 40]
                           [--temporal-address HOST:PORT] [--database-url URL]

(a) latency from ``orders.services.place_order`` to the confirmation email sent, sequential,
p50/p95; (b) throughput of N orders placed concurrently, until all confirmations are sent.
Baseline: ``bench.bare_workflow.BareWorkflow`` with as many no-op activities as the order has
steps up to the confirmation email, run by a worker of the same size in the same process,
interleaved with ours so machine noise hits both alike. Prints a table and writes
``bench/results/orders.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from bench.common import machine, setup_django, summary, table, write_json

POLL_SECONDS = 0.005


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-orders", type=int, default=30)
    parser.add_argument("--concurrent-orders", type=int, default=40)
    parser.add_argument("--placing-threads", type=int, default=8)
    parser.add_argument("--max-concurrent-activities", type=int, default=20)
    parser.add_argument("--temporal-address", default="", help="reuse a running server")
    parser.add_argument("--database-url", default="", help="default: DATABASE_URL or SQLite")
    parser.add_argument("--local-activities", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


class Bench:
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
        settings.TEMPORAL_TASK_QUEUE = f"bench-orders-{run_id}"
        self.bare_queue = f"bench-bare-{run_id}"
        reset_client()
        self.loop = BackgroundLoop("bench-worker")
        self.client = self.loop.run(connect(timeout=30), timeout=60)
        self._start_workers(settings.TEMPORAL_TASK_QUEUE)
        self.product = self._make_product(run_id)

    def _start_workers(self, order_queue: str) -> None:
        from temporalio.worker import Worker

        from bench.bare_workflow import BareWorkflow, noop
        from workflows.worker import create_worker

        size = self.args.max_concurrent_activities
        self.order_worker = create_worker(
            self.client, task_queue=order_queue, max_concurrent_activities=size
        )
        self.bare_worker = Worker(
            self.client,
            task_queue=self.bare_queue,
            workflows=[BareWorkflow],
            activities=[noop],
            activity_executor=ThreadPoolExecutor(size),
            max_concurrent_activities=size,
        )

        async def _start() -> None:
            self._tasks = [
                asyncio.ensure_future(self.order_worker.run()),
                asyncio.ensure_future(self.bare_worker.run()),
            ]
            await asyncio.sleep(0.5)

        self.loop.run(_start(), timeout=30)

    def close(self) -> None:
        async def _stop() -> None:
            await asyncio.gather(self.order_worker.shutdown(), self.bare_worker.shutdown())

        try:
            self.loop.run(_stop(), timeout=60)
        finally:
            self.loop.stop()
            if self.server:
                self.server.stop()

    @staticmethod
    def _make_product(run_id: str):
        from catalog.models import Category, Product, StockLevel

        category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
        product = Product.objects.create(
            category=category,
            sku=f"BENCH-{run_id}",
            slug=f"bench-{run_id}",
            name=f"Bench item {run_id}",
            price=Decimal("9.99"),
        )
        StockLevel.objects.create(product=product, quantity=1_000_000)
        return product

    # --- ours ------------------------------------------------------------------------------
    def place(self) -> str:
        from django.db import close_old_connections

        from cart.models import Cart, CartItem
        from orders.payments.fake import FakeGateway
        from orders.services import place_order

        cart = Cart.objects.create(session_key=uuid.uuid4().hex[:32])
        CartItem.objects.create(cart=cart, product=self.product, quantity=1)
        result = place_order(
            cart=cart,
            email="bench@example.com",
            shipping_address={
                "full_name": "Bench Mark",
                "line1": "1 Loop Road",
                "line2": "",
                "city": "Berlin",
                "postal_code": "10115",
                "country": "DE",
                "phone": "",
            },
            shipping_method="standard",
            card=FakeGateway().tokenize("4242424242424242", 12, 2099, "123"),
            checkout_token=uuid.uuid4().hex,
        )
        close_old_connections()
        return result.order.number

    @staticmethod
    def confirmed(numbers: list[str]) -> int:
        from orders.models import EmailNotification

        return EmailNotification.objects.filter(
            order__number__in=numbers, kind="confirmation", sent_at__isnull=False
        ).count()

    def wait_confirmed(self, numbers: list[str], timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.confirmed(numbers) < len(numbers):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(numbers) - self.confirmed(numbers)} orders unconfirmed")
            time.sleep(POLL_SECONDS)

    def ours_latency(self) -> float:
        started = time.perf_counter()
        number = self.place()
        self.wait_confirmed([number], timeout=60)
        return time.perf_counter() - started

    def ours_throughput(self, count: int) -> float:
        started = time.perf_counter()
        with ThreadPoolExecutor(self.args.placing_threads) as pool:
            numbers = list(pool.map(lambda _: self.place(), range(count)))
        self.wait_confirmed(numbers)
        return count / (time.perf_counter() - started)

    # --- bare ------------------------------------------------------------------------------
    def bare_latency(self) -> float:
        from bench.bare_workflow import BARE_STEPS

        async def _run() -> None:
            await self.client.execute_workflow(
                "BenchBareWorkflow",
                BARE_STEPS,
                id=f"bare-{uuid.uuid4().hex}",
                task_queue=self.bare_queue,
            )

        started = time.perf_counter()
        self.loop.run(_run(), timeout=60)
        return time.perf_counter() - started

    def bare_throughput(self, count: int) -> float:
        from bench.bare_workflow import BARE_STEPS

        async def _run() -> None:
            handles = await asyncio.gather(
                *[
                    self.client.start_workflow(
                        "BenchBareWorkflow",
                        BARE_STEPS,
                        id=f"bare-{uuid.uuid4().hex}",
                        task_queue=self.bare_queue,
                    )
                    for _ in range(count)
                ]
            )
            await asyncio.gather(*[h.result() for h in handles])

        started = time.perf_counter()
        self.loop.run(_run(), timeout=300)
        return count / (time.perf_counter() - started)


def main() -> None:
    args = parse_args()
    if args.database_url:
        import os

        os.environ["DATABASE_URL"] = args.database_url
    setup_django()
    bench = Bench(args)
    try:
        # Warm up both paths (imports, sandbox, connections) before measuring.
        for _ in range(3):
            bench.ours_latency()
            bench.bare_latency()
        ours, bare = [], []
        for _ in range(args.latency_orders):  # interleaved: noise hits both alike
            ours.append(bench.ours_latency())
            bare.append(bench.bare_latency())
        bare_tp = bench.bare_throughput(args.concurrent_orders)
        ours_tp = bench.ours_throughput(args.concurrent_orders)
        bare_tp2 = bench.bare_throughput(args.concurrent_orders)
        ours_tp2 = bench.ours_throughput(args.concurrent_orders)
    finally:
        bench.close()

    ours_s, bare_s = summary(ours), summary(bare)
    ours_tp_best, bare_tp_best = max(ours_tp, ours_tp2), max(bare_tp, bare_tp2)
    result = {
        "machine": machine(),
        "params": vars(args),
        "latency_seconds": {"ours": ours_s, "bare": bare_s},
        "latency_ratio_p50": ours_s["p50"] / bare_s["p50"],
        "latency_ratio_p95": ours_s["p95"] / bare_s["p95"],
        "throughput_orders_per_second": {"ours": [ours_tp, ours_tp2], "bare": [bare_tp, bare_tp2]},
        "throughput_ratio": ours_tp_best / bare_tp_best,
        "targets": {"latency_ratio_max": 1.3, "throughput_ratio_min": 0.75},
    }
    path = write_json("orders", result)
    ms = lambda s: f"{s * 1000:.1f} ms"  # noqa: E731
    print(
        table(
            [
                ["measure", "ours", "bare workflow", "ratio ours/bare", "target"],
                [
                    "latency p50",
                    ms(ours_s["p50"]),
                    ms(bare_s["p50"]),
                    f"{result['latency_ratio_p50']:.2f}",
                    "<= 1.3",
                ],
                [
                    "latency p95",
                    ms(ours_s["p95"]),
                    ms(bare_s["p95"]),
                    f"{result['latency_ratio_p95']:.2f}",
                    "<= 1.3",
                ],
                [
                    f"throughput ({args.concurrent_orders} concurrent)",
                    f"{ours_tp_best:.1f}/s",
                    f"{bare_tp_best:.1f}/s",
                    f"{result['throughput_ratio']:.2f}",
                    ">= 0.75",
                ],
            ]
        )
    )
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
