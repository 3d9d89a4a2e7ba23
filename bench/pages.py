"""Page benchmark: requests per second under gunicorn against PostgreSQL, each page as a ratio
to a trivial view served by the same server in the same run, plus SQL queries per request.

    python -m bench.pages [--seconds 5] [--database-url postgres://...] [--workers 2]

Needs PostgreSQL (default postgres://postgres@127.0.0.1:5432/shop_bench, created if missing).
Writes ``bench/results/pages.json``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.common import ROOT, machine, table, write_json

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/shop_bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=2)
    return parser.parse_args()


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


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


def query_counts(env: dict[str, str]) -> dict[str, int]:
    """SQL queries per request, measured in-process with Django's test client."""
    code = r"""
import json, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from catalog.models import Category, Product
c = Client()
p = Product.objects.for_listing().first()
cats = list(Category.objects.all())
out = {}
def count(name, method, path, **kw):
    with CaptureQueriesContext(connection) as ctx:
        r = getattr(c, method)(path, **kw)
    out[name] = {"queries": len(ctx), "status": r.status_code}
count("trivial", "get", "/bench/trivial/")
count("listing (page 1)", "get", "/products/")
count("listing (page 2)", "get", "/products/?page=2")
count("listing (small category)", "get", f"/products/?category={cats[-1].slug}")
count("detail", "get", p.get_absolute_url())
c.post("/cart/add/", {"product_id": p.pk, "quantity": 1})
count("cart (1 line)", "get", "/cart/")
for other in Product.objects.for_listing().exclude(pk=p.pk)[:9]:
    c.post("/cart/add/", {"product_id": other.pk, "quantity": 1})
count("cart (10 lines)", "get", "/cart/")
print(json.dumps(out))
"""
    env = {**env, "DEBUG": "true", "SECURE_SSL_REDIRECT": "false"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


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
        from catalog.models import Product

        product = (
            Product.objects.for_listing().filter(stock__quantity__gt=1000).first()
            or Product.objects.for_listing().order_by("-stock__quantity").first()
        )
        pages = {
            "listing": ("get", "/products/"),
            "detail": ("get", product.get_absolute_url()),
            "cart": ("cart", "/cart/"),
            "checkout POST": ("checkout", "/checkout/"),
        }
        # Give the checkout plenty of stock so it never sells out mid-run.
        from catalog.models import StockLevel

        StockLevel.objects.filter(product=product).update(quantity=10_000_000)
        results: dict[str, list[dict]] = {name: [] for name in ["trivial", *pages]}
        load = dict(seconds=args.seconds, product_id=product.pk)
        run_load("127.0.0.1", port, "get", "/bench/trivial/", seconds=1.0)  # warm-up
        for _ in range(args.rounds):  # interleave trivial with each page
            for name, (kind, path) in pages.items():
                results["trivial"].append(
                    run_load("127.0.0.1", port, "get", "/bench/trivial/", **load)
                )
                results[name].append(run_load("127.0.0.1", port, kind, path, **load))
    finally:
        gunicorn.terminate()
        gunicorn.wait(30)
        temporal.stop()

    trivial_rps = sorted(r["rps"] for r in results["trivial"])[len(results["trivial"]) // 2]
    rows = [["page", "req/s", "ratio to trivial", "errors", "SQL queries / request"]]
    summary = {}
    for name in ["trivial", *pages]:
        best = max(results[name], key=lambda r: r["rps"])
        ratio = best["rps"] / trivial_rps
        queries = {k: v["queries"] for k, v in counts.items() if k.startswith(name.split()[0])}
        summary[name] = {
            "runs": results[name],
            "rps": best["rps"],
            "ratio": ratio,
            "queries": queries,
        }
        rows.append(
            [
                name,
                f"{best['rps']:.0f}",
                f"{ratio:.2f}",
                str(sum(r["errors"] for r in results[name])),
                ", ".join(f"{k}: {v}" for k, v in queries.items()) or "-",
            ]
        )
    payload = {
        "machine": machine(),
        "params": vars(args),
        "pages": summary,
        "query_counts": counts,
        "targets": {"listing_ratio_min": 0.5, "detail_ratio_min": 0.5},
    }
    path = write_json("pages", payload)
    print(table(rows))
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
