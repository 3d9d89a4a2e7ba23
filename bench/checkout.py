"""Checkout with early return: how long the shopper waits for the card's answer, against the
smallest Update-with-Start that answers after one activity, same run, same server.

    python -m bench.checkout [--checkouts 30] [--rounds 2] [--max-concurrent-activities 10]
                             [--temporal-address HOST:PORT] [--database-url URL]

Ours: the checkout POST (``/checkout/``, a 4242 card, Django's test ``Client`` in this
process, as ``bench.orders`` places orders in-process), timed from the request until its
response: the form, ``place_order``, then ``pay_at_checkout``'s Update-with-Start of
``OrderWorkflow.payment_outcome``, which answers once validate and reserve (local activities)
and the ``authorize_payment`` activity ran, then the redirect. The real worker
(``workflows.worker.create_worker``) and an email-queue worker run in this process on their
own loop. The shopper's cart is filled before, untimed.
Baseline: ``bench.early_return.EarlyReturnWorkflow``, whose update returns after one no-op
activity, started with ``execute_update_with_start_workflow`` through the shop's own client
and loop (``workflows.connection``), as ``pay_at_checkout`` starts ours; its worker has the same
size. The ratio (ours / baseline) is what the checkout adds to Temporal's minimum for an early
return: the database work of placing, validating, reserving and authorizing, and the view.
Sequential, interleaved pair by pair (ours first, then the baseline first, ...) after a
warm-up; after each sample the workflow is let finish its work (untimed: the order's
confirmation email, the baseline's completion) so the next sample runs on a quiet worker.
``pay_at_checkout`` is wrapped (in this process only) to time the Update-with-Start call alone.
Prints a table and writes ``bench/results/checkout.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from bench.common import machine, setup_django, summary, write_json
from bench.early_return import VARIANTS, ratios, report, update_breakdown
from bench.querycount import CHECKOUT_FORM

Sample = tuple[float, float, str]  # (seconds, seconds in the Update-with-Start call, workflow id)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkouts", type=int, default=30, help="pairs per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3, help="untimed pairs first")
    parser.add_argument("--max-concurrent-activities", type=int, default=10)
    parser.add_argument("--temporal-address", default="", help="reuse a running server")
    parser.add_argument("--database-url", default="", help="default: DATABASE_URL or SQLite")
    return parser.parse_args(argv)


class Bench:
    """A dev server (or ``--temporal-address``), the workers on one loop of this process."""

    def __init__(self, args: argparse.Namespace) -> None:
        from django.conf import settings

        from bench.orders import Bench as OrderBench
        from orders.views import checkout as checkout_view
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
        self.queues = {v: f"bench-checkout-{v}-{run_id}" for v in VARIANTS}
        settings.TEMPORAL_TASK_QUEUE = self.queues["ours"]  # read by pay_at_checkout
        settings.TEMPORAL_EMAIL_TASK_QUEUE = f"bench-checkout-emails-{run_id}"  # into the input
        # One client placing many orders: the abuse limits would stop it (as bench.settings;
        # with a shared CACHE_URL their counters outlive a run).
        settings.RATE_LIMIT_CHECKOUT = settings.RATE_LIMIT_GUEST_EMAIL = "1000000/s"
        settings.RATE_LIMIT_ANONYMOUS_CARTS = "1000000/s"
        settings.CHECKOUT_DECLINE_LIMIT = 1_000_000
        reset_client()  # the view's client: to this server
        self.loop = BackgroundLoop("bench-worker")
        self.client = self.loop.run(connect(timeout=30), timeout=60)
        self.workers: list = []
        self.loop.run(self._start_workers(), timeout=60)
        self.products = itertools.cycle(OrderBench._make_products(run_id, 10))
        # Time pay_at_checkout (the Update-with-Start and its bookkeeping) inside the POST.
        self._view = checkout_view
        self._pay = checkout_view.pay_at_checkout
        self._paid: list[tuple[float, str, str]] = []
        checkout_view.pay_at_checkout = self._timed_pay

    async def _start_workers(self) -> None:
        # Workers must be built on the loop that runs them (the workflow runtime binds to it).
        from django.conf import settings
        from temporalio.worker import Worker
        from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

        from bench.early_return import EarlyReturnWorkflow, early_noop
        from workflows.worker import create_worker

        size = self.args.max_concurrent_activities
        ours = create_worker(
            self.client, task_queue=self.queues["ours"], max_concurrent_activities=size
        )
        bare = Worker(
            self.client,
            task_queue=self.queues["bare"],
            workflows=[EarlyReturnWorkflow],
            # Its module imported once, as the shop's worker passes OrderWorkflow's through.
            workflow_runner=SandboxedWorkflowRunner(
                restrictions=SandboxRestrictions.default.with_passthrough_modules(
                    EarlyReturnWorkflow.__module__
                )
            ),
            activities=[early_noop],
            activity_executor=ThreadPoolExecutor(size, thread_name_prefix="bare"),
            max_concurrent_activities=size,
        )
        emails = create_worker(  # the email steps' own pool, as runworker's default
            self.client,
            task_queue=settings.TEMPORAL_EMAIL_TASK_QUEUE,
            max_concurrent_activities=4,
            workflows=False,
        )
        self.workers = [ours, bare, emails]
        self._tasks = [asyncio.ensure_future(w.run()) for w in self.workers]
        await asyncio.sleep(0.5)

    def close(self) -> None:
        async def _stop() -> None:
            await asyncio.gather(*(w.shutdown() for w in self.workers))

        self._view.pay_at_checkout = self._pay
        try:
            self.loop.run(_stop(), timeout=60)
        finally:
            self.loop.stop()
            if self.server:
                self.server.stop()

    def _timed_pay(self, order: Any) -> Any:
        started = time.perf_counter()
        outcome = self._pay(order)
        self._paid.append((time.perf_counter() - started, outcome.status, order.number))
        return outcome

    # --- ours: the checkout POST ------------------------------------------------------------
    def ours(self) -> Sample:
        from django.test import Client

        from workflows.client import PAYMENT_AUTHORIZED
        from workflows.types import workflow_id_for

        shopper = Client(HTTP_HOST="127.0.0.1")
        added = shopper.post("/cart/add/", {"product_id": next(self.products).pk, "quantity": 1})
        if added.status_code != 302:
            raise RuntimeError(f"adding to the cart answered {added.status_code}")
        form = {**CHECKOUT_FORM, "checkout_token": uuid.uuid4().hex}
        self._paid.clear()
        started = time.perf_counter()
        response = shopper.post("/checkout/", form)
        elapsed = time.perf_counter() - started
        if response.status_code != 302 or len(self._paid) != 1:
            raise RuntimeError(f"checkout answered {response.status_code}, not a placed order")
        paid, status, number = self._paid[0]
        if status != PAYMENT_AUTHORIZED:
            raise RuntimeError(f"order {number}: payment {status}, not authorized")
        self._settle(number)
        return elapsed, paid, workflow_id_for(number)

    @staticmethod
    def _settle(number: str, timeout: float = 60) -> None:
        """Untimed: wait until the order's confirmation email is sent (its workflow then
        waits for the carrier), so its capture and email don't overlap the next sample."""
        from orders.models import EmailNotification

        sent = EmailNotification.objects.filter(
            order__number=number, kind=EmailNotification.Kind.CONFIRMATION, sent_at__isnull=False
        )
        deadline = time.monotonic() + timeout
        while not sent.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"order {number}: no confirmation email after {timeout}s")
            time.sleep(0.01)

    # --- the baseline ------------------------------------------------------------------------
    def bare(self) -> Sample:
        from workflows.connection import get_client, run

        workflow_id = f"bench-early-{uuid.uuid4().hex}"
        started = time.perf_counter()
        answer = run(self._update_with_start(workflow_id), timeout=30)
        elapsed = time.perf_counter() - started
        if answer != workflow_id:
            raise RuntimeError(f"{workflow_id}: update answered {answer!r}")

        async def _finished() -> None:  # untimed, as ours' settling
            await (await get_client()).get_workflow_handle(workflow_id).result()

        run(_finished(), timeout=30)
        return elapsed, elapsed, workflow_id

    async def _update_with_start(self, workflow_id: str) -> str:
        from temporalio.client import WithStartWorkflowOperation
        from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

        from bench.early_return import EarlyReturnWorkflow
        from workflows.connection import get_client

        client = await get_client()  # the client pay_at_checkout uses, on its loop
        operation = WithStartWorkflowOperation(
            EarlyReturnWorkflow.run,
            workflow_id,
            id=workflow_id,
            task_queue=self.queues["bare"],
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
        return await client.execute_update_with_start_workflow(
            EarlyReturnWorkflow.outcome,
            start_workflow_operation=operation,
            rpc_timeout=timedelta(seconds=10),
        )

    def breakdowns(self, ids: dict[str, list[str]]) -> dict[str, dict[str, float]]:
        async def _all() -> dict[str, dict[str, float]]:
            out = {}
            for variant, wids in ids.items():
                samples = [await update_breakdown(self.client, wid) for wid in wids]
                out[variant] = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
            return out

        return self.loop.run(_all(), timeout=120)


def measure(args: argparse.Namespace) -> dict:
    load_before = os.getloadavg()  # this machine's other users show here
    bench = Bench(args)
    take = {"ours": bench.ours, "bare": bench.bare}
    samples: dict[str, list[Sample]] = {v: [] for v in VARIANTS}
    per_round: list[float] = []
    try:
        for n in range(args.warmup):  # imports, sandbox, connections, the server's first second
            for v in VARIANTS if n % 2 == 0 else VARIANTS[::-1]:
                take[v]()
        for _ in range(args.rounds):
            this_round: dict[str, list[float]] = {v: [] for v in VARIANTS}
            for n in range(args.checkouts):  # ABBA: neither always goes first
                for v in VARIANTS if n % 2 == 0 else VARIANTS[::-1]:
                    sample = take[v]()
                    samples[v].append(sample)
                    this_round[v].append(sample[0])
            per_round.append(
                summary(this_round["ours"])["p50"] / summary(this_round["bare"])["p50"]
            )
        breakdowns = bench.breakdowns({v: [s[2] for s in samples[v]] for v in VARIANTS})
    finally:
        bench.close()
    latency = {v: summary([s[0] for s in samples[v]]) for v in VARIANTS}
    return {
        "machine": machine(),
        "params": vars(args),
        "load_average_1_5_15min": {"before": load_before, "after": os.getloadavg()},
        "latency_seconds": latency,
        "ratio": ratios(latency),
        "ratio_p50_per_round": per_round,
        "ours_split_seconds": {
            "update_with_start": summary([s[1] for s in samples["ours"]]),
            "rest": summary([s[0] - s[1] for s in samples["ours"]]),
        },
        "breakdown_seconds": breakdowns,
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    setup_django()
    result = measure(args)
    path = write_json("checkout", result)
    print(report(result))
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
