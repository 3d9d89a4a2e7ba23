"""Prometheus metrics: the worker's endpoint (Temporal SDK + shop) and the web's ``/metrics``."""

from __future__ import annotations

import urllib.request
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from prometheus_client import REGISTRY, generate_latest

from orders.models import Order
from shop.metrics import STUCK_REGISTRY
from tests.conftest import run_order_worker
from tests.factories import OrderFactory
from tests.workflows.helpers import make_order, start
from workflows.client import connect
from workflows.telemetry import MetricsServer, parse_bind
from workflows.types import CarrierEvent, OrderResult
from workflows.workflow import OrderWorkflow


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_parse_bind():
    # Given bind strings / When parsed / Then host and port, IPv6 unbracketed, junk refused
    assert parse_bind("0.0.0.0:9464") == ("0.0.0.0", 9464)
    assert parse_bind("[::1]:9000") == ("::1", 9000)
    with pytest.raises(ValueError):
        parse_bind("9464")


@pytest.mark.temporal
@pytest.mark.django_db(transaction=True)
def test_worker_endpoint_serves_sdk_and_shop_metrics_after_an_order(
    temporal, background_loop, settings
):
    # Given a worker whose client runs on a runtime exporting metrics on one endpoint
    server = MetricsServer("127.0.0.1:0").start()
    completed = sample("shop_orders_total", outcome="completed", reason="")
    authorized = sample("shop_payment_outcomes_total", code="authorized")
    client = background_loop.run(connect(timeout=10, runtime=server.runtime), timeout=30)
    order = make_order(quantity=1, stock=3)
    try:
        with run_order_worker(client, background_loop, settings.TEMPORAL_TASK_QUEUE):
            # When an order runs to its end (delivered)
            async def run_order() -> OrderResult:
                handle = await start(client, order, settings.TEMPORAL_TASK_QUEUE)
                await handle.signal(
                    OrderWorkflow.carrier_event, CarrierEvent("delivered", "", "d1")
                )
                return await handle.result()

            assert background_loop.run(run_order(), timeout=60).status == "completed"
            page = scrape(server.url)
    finally:
        server.stop()

    # Then the one page carries the SDK's metrics and the shop's, counted once for this order
    assert "temporal_workflow_completed" in page
    assert "temporal_activity_execution_latency" in page
    assert "shop_orders_total" in page
    assert sample("shop_orders_total", outcome="completed", reason="") == completed + 1
    assert sample("shop_payment_outcomes_total", code="authorized") == authorized + 1


@pytest.mark.django_db
def test_web_metrics_need_the_token(client, settings):
    # Given a web process with a metrics token, after one page was served
    settings.METRICS_TOKEN = "scrape-secret"
    before = sample("shop_http_requests_total", method="GET", view="healthz", status="503")
    assert client.get("/healthz").status_code == 503  # Temporal is down in tests

    # When /metrics is asked without, with a wrong, and with the right token
    anonymous = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    scraped = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})

    # Then only the scraper gets the page, with the request counted
    assert (anonymous.status_code, wrong.status_code, scraped.status_code) == (404, 404, 200)
    assert b"shop_http_requests_total" in scraped.content
    assert b"shop_http_request_duration_seconds_bucket" in scraped.content
    after = sample("shop_http_requests_total", method="GET", view="healthz", status="503")
    assert after == before + 1


@pytest.mark.django_db
def test_web_metrics_are_off_without_a_token(client, settings):
    # Given no METRICS_TOKEN (the default) / When /metrics is asked with any token / Then 404
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.django_db
def test_stuck_orders_gauge_counts_orders_without_progress(settings):
    # Given an order reserved two hours ago, one reserved just now and one shipped long ago
    settings.ORDER_STUCK_MINUTES = 60
    old = timezone.now() - timedelta(hours=2)
    stuck, fresh, shipped = OrderFactory(), OrderFactory(), OrderFactory()
    Order.objects.filter(pk=stuck.pk).update(status="reserved", updated_at=old)
    Order.objects.filter(pk=fresh.pk).update(status="reserved")
    Order.objects.filter(pk=shipped.pk).update(status="shipped", updated_at=old)

    # When the worker's page is rendered
    page = generate_latest(STUCK_REGISTRY).decode()

    # Then only the old reserved order counts as stuck
    assert 'shop_orders_stuck{status="reserved"} 1.0' in page
    assert 'shop_orders_stuck{status="received"} 0.0' in page


def test_runworker_refuses_a_malformed_metrics_bind():
    # Given / When runworker is asked to serve metrics on "9464" (no host) / Then it says why
    with pytest.raises(CommandError, match="--metrics-bind 9464: expected HOST:PORT"):
        call_command("runworker", "--metrics-bind", "9464")
