"""Log lines of an order's activity carry its order number and workflow id (JSON fields)."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

from opentelemetry.sdk.trace import TracerProvider
from temporalio.testing import ActivityEnvironment

from shop.logging import JsonFormatter
from workflows.log_context import OrderContextFilter


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("workflows.activities", logging.INFO, __file__, 1, message, None, None)


def test_an_activity_log_line_has_the_order_and_workflow_id_as_fields():
    # Given an activity of the workflow order-SH-LOG00001
    env = ActivityEnvironment()
    env.info = replace(env.info, workflow_id="order-SH-LOG00001")

    def log_inside() -> str:
        record = _record("capture: ok")
        OrderContextFilter().filter(record)
        return JsonFormatter().format(record)

    # When it logs a line in JSON
    line = json.loads(env.run(log_inside))

    # Then the line names the order and its workflow
    assert (line["message"], line["order_number"], line["workflow_id"]) == (
        "capture: ok",
        "SH-LOG00001",
        "order-SH-LOG00001",
    )


def test_a_line_outside_an_activity_is_left_alone():
    # Given a record logged by a web request (no activity) / When filtered and formatted
    record = _record("GET /")
    assert OrderContextFilter().filter(record) is True
    line = json.loads(JsonFormatter().format(record))

    # Then it has no order fields
    assert "order_number" not in line and "workflow_id" not in line


def test_a_line_inside_a_trace_has_the_trace_id():
    # Given a span of a traced request
    provider = TracerProvider()
    with provider.get_tracer("test").start_as_current_span("GET /orders/") as span:
        # When a line is logged inside it
        record = _record("order page")
        OrderContextFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
        expected = format(span.get_span_context().trace_id, "032x")

    # Then it carries the trace id (32 hex digits)
    assert line["trace_id"] == expected and len(expected) == 32
