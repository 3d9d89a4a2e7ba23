"""The shop's own Prometheus metrics (``prometheus_client``) and the web's ``/metrics`` page.

Counted where they happen: orders placed (web), checkout's early-return wait (web), the
worker's step outcomes (``workflows.steps.order_step``: completed/failed/cancelled orders,
refunds, payment outcomes, retried attempts) and HTTP requests (``MetricsMiddleware``).

The worker serves these together with the Temporal SDK's metrics on ``--metrics-bind``
(``workflows.telemetry``). The web serves them on ``/metrics`` only to a scraper that sends
``Authorization: Bearer <METRICS_TOKEN>``; with no token set (the default) the page is a 404,
so nothing is public unless an operator turns it on. With several gunicorn processes set
``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode) so one scrape sees all.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connections
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from orders.models import Order
from orders.status import SHORT_LIVED

ORDERS = Counter(
    "shop_orders",
    "Orders by what happened to them (placed, completed, failed, cancelled).",
    ["outcome", "reason"],
)
REFUNDS = Counter("shop_refunds", "Refunds and voids made by the order steps.", ["kind"])
PAYMENT_OUTCOMES = Counter(
    "shop_payment_outcomes",
    "Card authorizations by outcome code (authorized or a decline code).",
    ["code"],
)
CHECKOUT_WAIT = Histogram(
    "shop_checkout_payment_wait_seconds",
    "How long checkout waited for the card's answer (early return), by outcome.",
    ["outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 10, 15, 30),
)
ACTIVITY_RETRIES = Counter(
    "shop_activity_retries",
    "Order step attempts after the first (a step being retried).",
    ["activity"],
)
JOB_LAST_SUCCESS = Gauge(
    "shop_scheduled_job_last_success_timestamp_seconds",
    "When a scheduled job (sweeper, stale carts, reconciliation) last succeeded.",
    ["job"],
)
HTTP_REQUESTS = Counter(
    "shop_http_requests", "HTTP requests by method, view and status.", ["method", "view", "status"]
)
HTTP_LATENCY = Histogram(
    "shop_http_request_duration_seconds",
    "HTTP request latency by method and view.",
    ["method", "view"],
)


def record_step(step: str, args: tuple, attempt: int, error: Exception | None = None) -> None:
    """What one order step's run means for the shop's counters (``order_step`` calls it)."""
    if attempt > 1:
        ACTIVITY_RETRIES.labels(activity=step).inc()
    if step in ("authorize_payment", "charge_payment"):
        if error is None:
            PAYMENT_OUTCOMES.labels(code="authorized").inc()
        elif getattr(error, "code", ""):  # a provider's answer (declined, processing_error)
            PAYMENT_OUTCOMES.labels(code=error.code).inc()
    if error is not None:
        return
    if step == "complete_order":
        ORDERS.labels(outcome="completed", reason="").inc()
    elif step == "mark_order_failed":
        ORDERS.labels(outcome="failed", reason=str(args[1]) if len(args) > 1 else "").inc()
    elif step == "mark_order_cancelled":
        ORDERS.labels(outcome="cancelled", reason=str(args[0]) if args else "").inc()
    elif step in ("refund_payment", "void_payment"):
        REFUNDS.labels(kind=step.removesuffix("_payment")).inc()


def exposition() -> bytes:
    """This process's metrics in Prometheus' text format (all processes in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """``/metrics`` for a scraper holding ``METRICS_TOKEN``; 404 for everyone else."""
    token = getattr(settings, "METRICS_TOKEN", "")
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(sent.encode(), token.encode()):
        raise Http404()
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Counts every request and its latency by method, view name and status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unresolved"
        HTTP_LATENCY.labels(method=request.method, view=view).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(method=request.method, view=view, status=response.status_code).inc()
        return response


def stuck_orders() -> dict[str, int]:
    """Orders in a moving status with no change for ``ORDER_STUCK_MINUTES``, by status."""
    since = timezone.now() - timedelta(minutes=float(settings.ORDER_STUCK_MINUTES))
    rows = (
        Order.objects.filter(status__in=SHORT_LIVED, updated_at__lt=since)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}


def _close_stale() -> None:
    """The scrape thread's stale connections go, as a request's would (not inside a test's
    transaction)."""
    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        close_old_connections()


class StuckOrdersCollector(Collector):
    """``shop_orders_stuck{status}``, read from the database at scrape time (the worker's
    page only: one grouped query per scrape)."""

    def collect(self):  # type: ignore[no-untyped-def]
        gauge = GaugeMetricFamily(
            "shop_orders_stuck",
            "Orders without progress for ORDER_STUCK_MINUTES, by status.",
            labels=["status"],
        )
        _close_stale()
        try:
            counts = stuck_orders()
        finally:
            _close_stale()
        for status in sorted(SHORT_LIVED):
            gauge.add_metric([status], counts.get(status, 0))
        yield gauge


STUCK_REGISTRY = CollectorRegistry(auto_describe=False)
STUCK_REGISTRY.register(StuckOrdersCollector())
