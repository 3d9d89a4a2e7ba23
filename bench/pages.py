"""Page benchmark: requests per second under gunicorn against PostgreSQL, each page as a ratio
to a trivial view served by the same server in the same run, plus SQL queries per request.

    python -m bench.pages [--seconds 5] [--database-url postgres://...] [--workers 2]
                          [--pages listing,detail,cart] [--cache-url redis://127.0.0.1:6379/15]

Needs PostgreSQL (default postgres://postgres@127.0.0.1:5432/shop_bench, created if missing).
Writes ``bench/results/pages.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.common import ROOT, ensure_database, machine, table, write_json

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shop_bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--client-threads", type=int, default=4)
    parser.add_argument(
        "--pages",
        default="listing,detail,cart",
        help=f"of {','.join(PAGES)}; 'checkout POST' waits for a payment answer no worker gives "
        "(CHECKOUT_PAYMENT_WAIT_SECONDS) and blocks the sync workers: bench.checkout measures it",
    )
    parser.add_argument(
        "--cache-url",
        default=os.environ.get("CACHE_URL", ""),
        help="the server's CACHE_URL (the page cache's store; Redis in production); "
        "default: CACHE_URL, else the settings' default (this process's memory)",
    )
    args = parser.parse_args()
    args.pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = set(args.pages) - set(PAGES)
    if unknown:
        parser.error(f"--pages: unknown {sorted(unknown)}")
    return args


PAGES = ("listing", "detail", "cart", "checkout POST")


def server_env(args: argparse.Namespace, temporal_address: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": args.database_url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + "x" * 60,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "STATIC_ROOT": str(ROOT / ".data" / "bench-static"),
            "EMAIL_URL": "dummymail://",
            "LOG_LEVEL": "WARNING",
            "TEMPORAL_ADDRESS": temporal_address,
            "TEMPORAL_TASK_QUEUE": "bench-pages",
        }
    )
    if args.cache_url:
        env["CACHE_URL"] = args.cache_url
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def wait_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310
                if resp.status == 200:
                    return
        except Exception:
            time.sleep(0.2)
    raise TimeoutError(f"server did not answer {url}")


def query_counts(env: dict[str, str]) -> dict[str, dict[str, int]]:
    """SQL queries per request, measured in-process with Django's test client (same settings
    and database as the server)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.querycount"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"query count script failed:\n{out.stderr[-3000:]}")
    # The last line that is the counts (log records may be JSON lines on stdout too).
    for line in reversed(out.stdout.strip().splitlines()):
        if line.startswith("{") and '"trivial"' in line:
            return json.loads(line)
    raise RuntimeError(f"no query counts in:\n{out.stdout[-3000:]}")


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    from bench.loadgen import run_load
    from workflows.devserver import DevServer, free_port

    ensure_database(args.database_url)
    temporal = DevServer(headless=True).start()  # checkout starts workflows (no worker needed)
    env = server_env(args, temporal.address)
    Path(env["STATIC_ROOT"]).mkdir(parents=True, exist_ok=True)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    manage(env, "collectstatic", "--noinput")
    port = args.port or free_port()
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_up(f"http://127.0.0.1:{port}/bench/trivial/")
        counts = query_counts(env)
        os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")})
        import django

        django.setup()
        from catalog.models import Product, StockLevel

        product = Product.objects.for_listing().order_by("-stock__quantity", "pk").first()
        # Plenty of stock so the checkout never sells out mid-run.
        StockLevel.objects.filter(product=product).update(quantity=10_000_000)
        every_page = {
            "listing": ("get", "/products/"),
            "detail": ("get", product.get_absolute_url()),
            "cart": ("cart", "/cart/"),
            "checkout POST": ("checkout", "/checkout/"),
        }
        pages = {name: every_page[name] for name in args.pages}
        load = {
            "seconds": args.seconds,
            "product": (product.pk, product.get_absolute_url()),
            "processes": args.client_processes,
            "threads": args.client_threads,
        }
        run_load("127.0.0.1", port, "get", "/bench/trivial/", **{**load, "seconds": 1.0})
        for kind, path in pages.values():  # warm-up: templates, connections
            run_load("127.0.0.1", port, kind, path, **{**load, "seconds": 0.5})
        runs: dict[str, list[dict]] = {name: [] for name in pages}
        for _ in range(args.rounds):
            for name, (kind, path) in pages.items():
                # Each page right after its own trivial run: noise from the machine hits both.
                trivial = run_load("127.0.0.1", port, "get", "/bench/trivial/", **load)
                page = run_load("127.0.0.1", port, kind, path, **load)
                runs[name].append({"trivial": trivial, "page": page})
    finally:
        gunicorn.terminate()
        gunicorn.wait(30)
        temporal.stop()

    payload = summarize(args, runs, counts)
    path = write_json("pages", payload)
    print(report(payload))
    print(f"\nwritten: {path}")


def summarize(
    args: argparse.Namespace, runs: dict[str, list[dict]], counts: dict[str, dict[str, int]]
) -> dict:
    pages = {}
    trivial_all = [r["trivial"]["rps"] for rs in runs.values() for r in rs]
    for name, rs in runs.items():
        ratios = [r["page"]["rps"] / r["trivial"]["rps"] for r in rs]
        pages[name] = {
            "rps_median": statistics.median(r["page"]["rps"] for r in rs),
            "ratio_median": statistics.median(ratios),
            "ratio_min": min(ratios),
            "ratio_max": max(ratios),
            "latency_ms_median": statistics.median(r["page"]["mean_latency_ms"] for r in rs),
            "errors": sum(r["page"]["errors"] for r in rs),
            "queries": {
                k: v["queries"] for k, v in counts.items() if k.startswith(name.split()[0])
            },
            "runs": rs,
        }
    return {
        "machine": machine(),
        "params": vars(args),
        "trivial_rps_median": statistics.median(trivial_all),
        "trivial_rps_min": min(trivial_all),
        "trivial_rps_max": max(trivial_all),
        "pages": pages,
        "query_counts": counts,
        "targets": {"listing_ratio_min": 0.3, "detail_ratio_min": 0.3, "cart_ratio_min": 0.2},
    }


def report(payload: dict) -> str:
    target = {"listing": ">= 0.3", "detail": ">= 0.3", "cart": ">= 0.2"}
    rows = [["page", "req/s", "ratio to trivial (min-max)", "target", "errors", "SQL queries"]]
    counts = payload["query_counts"]
    rows.append(
        [
            "trivial",
            f"{payload['trivial_rps_median']:.0f}",
            "1",
            "",
            "0",
            str(counts.get("trivial", {}).get("queries", "?")),
        ]
    )
    for name, p in payload["pages"].items():
        rows.append(
            [
                name,
                f"{p['rps_median']:.0f}",
                f"{p['ratio_median']:.2f} ({p['ratio_min']:.2f}-{p['ratio_max']:.2f})",
                target.get(name, ""),
                str(p["errors"]),
                ", ".join(f"{k}: {v}" for k, v in p["queries"].items()),
            ]
        )
    return table(rows)


if __name__ == "__main__":
    main()
