"""OpenTelemetry tracing: one checkout is one trace, from the HTTP request (Django
instrumentation) through the Temporal client's Update-with-Start to the workflow and every
activity (``temporalio.contrib.opentelemetry.TracingInterceptor`` on the client, which the
worker made from it uses too).

On when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (spans exported over OTLP/HTTP; the exporter
reads the standard ``OTEL_*`` variables, ``OTEL_SERVICE_NAME`` names the process), off
otherwise: no provider, no interceptor, no middleware. ``setup`` with an exporter is for tests.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from temporalio.contrib.opentelemetry import TracingInterceptor

logger = logging.getLogger(__name__)

_provider: TracerProvider | None = None


def setup_from_env() -> bool:
    """Turn tracing on if ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set. True if on."""
    if _provider is not None or not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return _provider is not None
    # Imported here: the OTLP exporter (and its HTTP client) loads only when it is used.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    setup(OTLPSpanExporter(), batch=True)
    logger.info("tracing on: OTLP to %s", os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"])
    return True


def setup(exporter: SpanExporter, *, batch: bool = False) -> TracerProvider:
    """Trace this process into ``exporter`` (Django requests and Temporal calls)."""
    global _provider
    service = os.environ.get("OTEL_SERVICE_NAME", "temporal-shop")
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    DjangoInstrumentor().instrument(tracer_provider=provider)
    _provider = provider
    return provider


def teardown() -> None:
    """Turn tracing off again (tests)."""
    global _provider
    if _provider is not None:
        DjangoInstrumentor().uninstrument()
        _provider.shutdown()
    _provider = None


def interceptors() -> list[Any]:
    """The Temporal client's interceptors: the tracing one when tracing is on."""
    if _provider is None:
        return []
    return [TracingInterceptor(tracer=trace.get_tracer("temporal-shop", tracer_provider=_provider))]


def current_context() -> Any:
    """The caller's trace context, to carry onto the Temporal client's loop thread."""
    return otel_context.get_current()


async def within(ctx: Any, coro: Any) -> Any:
    """Await ``coro`` inside ``ctx`` (a context from ``current_context`` in another thread)."""
    token = otel_context.attach(ctx)
    try:
        return await coro
    finally:
        otel_context.detach(token)


def trace_id() -> str:
    """The current span's trace id (32 hex digits), or '' outside a trace."""
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else ""
