"""Log context for the shop's processes: ``trace_id`` inside a trace, ``workflow_id`` and
``order_number`` inside an order's activity, as record attributes (JSON logs show them as
fields: ``shop.logging.JsonFormatter``). Wired as the console handler's filter in ``LOGGING``."""

from __future__ import annotations

import logging

from opentelemetry import trace
from temporalio import activity


class OrderContextFilter(logging.Filter):
    """Adds ``trace_id`` inside a trace (tracing on: ``shop.tracing``) and, inside an order's
    activity, ``workflow_id`` and ``order_number`` to every record (JSON logs show them as
    fields), unless the call set them already."""

    def filter(self, record: logging.LogRecord) -> bool:
        span_context = trace.get_current_span().get_span_context()
        if span_context.is_valid and not hasattr(record, "trace_id"):
            record.trace_id = format(span_context.trace_id, "032x")
        if not hasattr(record, "workflow_id") and activity.in_activity():
            workflow_id = activity.info().workflow_id or ""
            record.workflow_id = workflow_id
            if workflow_id.startswith("order-"):
                record.order_number = workflow_id.removeprefix("order-")
        return True
