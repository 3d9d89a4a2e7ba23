"""Tracing: one checkout is one trace, from the HTTP request through the Update-with-Start to
the workflow and its activities (in-memory exporter; the dev server and the real worker)."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.conftest import run_order_worker
from tests.orders.test_checkout_payment import _checkout
from tests.workflows.helpers import status_of, wait_for
from workflows import tracing
from workflows.client import connect

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    tracing.setup(exporter)
    yield exporter
    tracing.teardown()


@pytest.fixture
def traced_worker(spans, temporal, background_loop, settings):
    """The order worker on a client made while tracing is on (its interceptor traces it)."""
    settings.ORDER_RETRY_INITIAL_INTERVAL_SECONDS = 0.1
    settings.ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS = 1.0
    client = background_loop.run(connect(timeout=10), timeout=30)
    with run_order_worker(client, background_loop, settings.TEMPORAL_TASK_QUEUE) as worker:
        yield worker


def test_one_checkout_is_one_trace_from_the_request_to_every_activity(spans, traced_worker, client):
    # Given tracing on and the worker running
    # When a shopper checks out with a card that authorizes, and the order ships
    response, _, order = _checkout(client)
    assert response.status_code == 302
    wait_for(lambda: status_of(order) == "shipped", timeout=30)
    wait_for(
        lambda: any(
            s.name == "RunActivity:send_confirmation_email" for s in spans.get_finished_spans()
        ),
        timeout=30,
    )

    # Then the request's trace holds the Update-with-Start, the workflow and every activity
    finished = spans.get_finished_spans()
    request = next(s for s in finished if s.name == "POST checkout/")
    in_trace = {s.name for s in finished if s.context.trace_id == request.context.trace_id}
    expected = {
        "StartUpdateWithStartWorkflow:OrderWorkflow",
        "HandleUpdate:payment_outcome",
        "RunWorkflow:OrderWorkflow",
        "RunActivity:validate_order",
        "RunActivity:reserve_inventory",
        "RunActivity:authorize_payment",
        "RunActivity:create_shipment",
        "RunActivity:capture_payment",
        "RunActivity:send_confirmation_email",
    }
    assert expected <= in_trace, " ".join(sorted(in_trace))
    assert request.parent is None  # the request is the trace's root


def test_tracing_is_off_without_an_endpoint(monkeypatch):
    # Given no OTEL_EXPORTER_OTLP_ENDPOINT / When set up from the environment
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)

    # Then nothing is traced: no interceptor for Temporal clients
    assert tracing.setup_from_env() is False
    assert tracing.interceptors() == []
