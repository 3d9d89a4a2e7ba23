"""What each step of an order costs in our code alone: the activity functions called directly
(no Temporal), with their SQL queries counted and timed.

    python -m bench.steps [--orders 20] [--database-url URL] [--conn-max-age N]

For ``place_order`` and each activity up to the confirmation email: p50 wall time, queries,
how many of them read the ``orders_order`` row and how many are SAVEPOINT statements (nested
``atomic`` blocks), and the time spent in the database. Writes ``bench/results/steps-<db>.json``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

from bench.common import engine, machine, setup_django, table, write_json

# OrderWorkflow's forward steps up to the confirmation email (patches ``authorize-capture``,
# ``invoice-on-capture``).
STEPS = (
    "validate_order",
    "reserve_inventory",
    "authorize_payment",
    "create_shipment",
    "capture_payment",
    "issue_invoice",
    "send_confirmation_email",
)


def step_args(step: str) -> tuple:
    """The arguments after the order number that the workflow gives ``step``."""
    from workflows.types import PaymentAttempt

    return (PaymentAttempt(attempt=1),) if step == "authorize_payment" else ()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--conn-max-age", type=int, default=None)
    return parser.parse_args(argv)


class Recorder:
    """A ``connection.execute_wrapper`` that keeps (seconds, sql) of every query."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - started, sql))


def measure(orders: int) -> dict[str, dict]:
    import uuid

    from django.db import connection

    from bench.orders import Bench
    from bench.placing import place_one
    from workflows import activities

    products = Bench._make_products(uuid.uuid4().hex[:6], 5)
    samples: dict[str, list[dict]] = defaultdict(list)

    def run(name: str, call) -> object:  # noqa: ANN001
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            started = time.perf_counter()
            result = call()
            took = time.perf_counter() - started
        sqls = [sql for _, sql in recorder.queries]
        samples[name].append(
            {
                "seconds": took,
                "db_seconds": sum(s for s, _ in recorder.queries),
                "queries": len(sqls),
                "order_reads": sum(
                    1 for q in sqls if q.startswith("SELECT") and 'FROM "orders_order"' in q
                ),
                "savepoints": sum(1 for q in sqls if "SAVEPOINT" in q),
            }
        )
        return result

    for n in range(orders + 2):  # the first two warm up
        with _no_workflow_start():
            number = run("place_order", lambda n=n: place_one(products[n % len(products)])).number
        for step in STEPS:
            run(
                step,
                lambda step=step, number=number: getattr(activities, step)(
                    number, *step_args(step)
                ),
            )
        if n < 2:
            samples.clear()
    return {
        name: {
            "p50_ms": 1000 * statistics.median(s["seconds"] for s in rows),
            "db_ms": 1000 * statistics.median(s["db_seconds"] for s in rows),
            "queries": rows[0]["queries"],
            "order_reads": rows[0]["order_reads"],
            "savepoints": rows[0]["savepoints"],
        }
        for name, rows in samples.items()
    }


class _no_workflow_start:
    """Drop ``on_commit`` callbacks (the workflow start) while placing: only our code counts."""

    def __enter__(self) -> None:
        from django.db import transaction

        self.saved = transaction.on_commit
        transaction.on_commit = lambda *args, **kwargs: None

    def __exit__(self, *exc: object) -> None:
        from django.db import transaction

        transaction.on_commit = self.saved


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.database_url:
        import os

        os.environ["DATABASE_URL"] = args.database_url
    setup_django(conn_max_age=args.conn_max_age)
    steps = measure(args.orders)
    rows = [["step", "p50", "in DB", "queries", "order row reads", "savepoint stmts"]]
    for name, s in steps.items():
        rows.append(
            [
                name,
                f"{s['p50_ms']:.1f} ms",
                f"{s['db_ms']:.1f} ms",
                str(s["queries"]),
                str(s["order_reads"]),
                str(s["savepoints"]),
            ]
        )
    path = write_json(
        f"steps-{engine()}", {"machine": machine(), "params": vars(args), "steps": steps}
    )
    print(table(rows))
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
