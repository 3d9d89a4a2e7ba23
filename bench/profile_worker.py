"""Where the worker's CPU goes under load: py-spy on the benchmark's own process while it runs
``bench.orders``' throughput rounds of one variant (optional tool: ``uv pip install py-spy``).

    python -m bench.profile_worker [--variant ours] [--concurrent-orders 40] [--rounds 3]
                                   [--rate 250] [--label before] [--database-url URL]

The process holds the worker(s), the Temporal client and the benchmark's poll; orders are
placed from spawned processes (not profiled), as in ``bench.orders``. Writes the collapsed
stacks to ``bench/results/profile-<label>-<variant>.txt`` and prints the top entries: by area
(the first matching frame from the leaf up, see ``AREAS``), by function (self and inclusive).
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.common import setup_django

RESULTS = Path(__file__).resolve().parent / "results"

# (area, substring of a frame's file path or function); the leaf-most match names a sample.
AREAS: list[tuple[str, str]] = [
    ("logging", "/logging/"),
    ("psycopg / sqlite driver", "/psycopg"),
    ("psycopg / sqlite driver", "sqlite3"),
    ("django ORM (compile, models)", "django/db/"),
    ("django templates (emails)", "django/template/"),
    ("django other", "/django/"),
    ("temporal sandbox (per-run import, restrictions)", "workflow_sandbox"),
    ("temporal converters / protobuf", "temporalio/converter"),
    ("temporal converters / protobuf", "google/protobuf"),
    ("temporal workflow instance", "temporalio/worker/_workflow_instance"),
    ("temporal activity worker", "temporalio/worker/_activity"),
    ("temporal worker other", "temporalio/"),
    ("opentelemetry", "opentelemetry"),
    ("asyncio event loop", "/asyncio/"),
    ("concurrent thread pool", "concurrent/futures"),
    ("threading", "threading.py"),
    ("shop code", "/orders/"),
    ("shop code", "/workflows/"),
    ("shop code", "/shop/"),
    ("shop code", "/catalog/"),
    ("bench harness", "/bench/"),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", default="ours", choices=["ours", "bare", "regular"])
    parser.add_argument("--concurrent-orders", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument(
        "--all-threads",
        action="store_true",
        help="sample every running thread (wall time, incl. waiting on the database); "
        "default: only the thread holding the GIL (the process's Python CPU)",
    )
    parser.add_argument("--label", default="now")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--max-concurrent-activities", type=int, default=10)
    return parser.parse_args(argv)


def area_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for area, needle in AREAS:
            if needle in frame:
                return area
    return "other"


def summarize(collapsed: str, top: int) -> str:
    """Tables of the collapsed stacks ``frame;frame;... count``: areas, self, inclusive."""
    areas: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if f and not f.startswith("thread (")]
        if not frames:
            continue
        total += n
        areas[area_of(frames)] += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        return "no samples"
    out = [f"{total} samples", "", "by area (leaf-most match):"]
    out += [f"  {100 * n / total:5.1f}%  {a}" for a, n in areas.most_common()]
    out += ["", f"top {top} functions, self:"]
    out += [f"  {100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    out += ["", f"top {top} functions, inclusive:"]
    out += [f"  {100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    setup_django()
    from bench.orders import Bench
    from bench.orders import parse_args as orders_args

    variants = "bare" if args.variant == "bare" else f"bare,{args.variant}"
    bench = Bench(
        orders_args(
            [
                "--variants",
                variants,
                "--max-concurrent-activities",
                str(args.max_concurrent_activities),
            ]
        )
    )
    RESULTS.mkdir(exist_ok=True)
    raw = RESULTS / f"profile-{args.label}-{args.variant}.txt"
    try:
        for _ in range(3):  # warm up: imports, sandbox, connections
            bench.latency(args.variant)
        spy = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--pid",
                str(os.getpid()),
                "--rate",
                str(args.rate),
                "--format",
                "raw",
                "--output",
                str(raw),
                "--nonblocking",
                *([] if args.all_threads else ["--gil"]),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)
        rates = []
        for _ in range(args.rounds):
            rate, _ids, cpu = bench.throughput(args.variant, args.concurrent_orders)
            rates.append(rate)
            print(f"{args.variant}: {rate:.1f}/s, CPU ms per order {cpu}", flush=True)
        spy.send_signal(signal.SIGINT)
        spy.wait(60)
    finally:
        bench.close()
    print(summarize(raw.read_text(), args.top))
    print(f"\nwritten: {raw}")


if __name__ == "__main__":
    main()
