"""The workflow's timeouts and retry intervals, read from Django settings.

The client puts them into ``OrderInput`` when it starts a workflow (recorded in history, so a
settings change never alters a running order's replay); ``validate_order`` still returns them
for workflows started without them.
"""

from __future__ import annotations

from django.conf import settings

from workflows.types import WorkflowConfig


def workflow_config() -> WorkflowConfig:
    return WorkflowConfig(
        delivery_timeout_seconds=float(settings.ORDER_DELIVERY_TIMEOUT_DAYS) * 86400.0,
        activity_timeout_seconds=float(settings.ORDER_ACTIVITY_TIMEOUT_SECONDS),
        retry_initial_interval_seconds=float(settings.ORDER_RETRY_INITIAL_INTERVAL_SECONDS),
        retry_maximum_interval_seconds=float(settings.ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS),
        payment_retry_seconds=float(settings.PAYMENT_RETRY_MINUTES) * 60.0,
        authorization_seconds=float(settings.PAYMENT_AUTHORIZATION_DAYS) * 86400.0,
        email_task_queue=settings.TEMPORAL_EMAIL_TASK_QUEUE,
    )
