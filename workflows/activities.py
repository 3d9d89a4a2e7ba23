"""``OrderWorkflow``'s activities: thin sync functions run on the worker's thread pool.

Each one closes stale database connections before and after its ORM work (workers never pass
through Django's request cycle), logs its start and result, calls one function of
``orders.services.fulfilment`` and maps business failures to non-retryable
``ApplicationError``s with a ``type`` (see ``workflows.types.BUSINESS_ERROR_TYPES``).
Everything they call is idempotent: a retried activity has the effect of one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import close_old_connections, connections
from temporalio import activity
from temporalio.exceptions import ApplicationError

from orders.events import IllegalTransition
from orders.inventory import OutOfStock
from orders.models import EmailNotification
from orders.payments import PaymentDeclined, PaymentError, TransientPaymentError
from orders.services import fulfilment
from workflows import faults
from workflows.types import (
    ERROR_ILLEGAL_TRANSITION,
    ERROR_INSUFFICIENT_FUNDS,
    ERROR_INVALID_ORDER,
    ERROR_ORDER_CLOSED,
    ERROR_OUT_OF_STOCK,
    ERROR_PAYMENT,
    ERROR_PAYMENT_DECLINED,
    CarrierEvent,
    ShipmentInfo,
    ValidationResult,
)

logger = logging.getLogger("workflows.activities")

T = TypeVar("T")


def _business_error(exc: Exception) -> ApplicationError | None:
    """The non-retryable error for a business failure, or None for anything else."""
    if isinstance(exc, fulfilment.InvalidOrder):
        return ApplicationError(str(exc), type=ERROR_INVALID_ORDER, non_retryable=True)
    if isinstance(exc, fulfilment.OrderClosed):
        return ApplicationError(str(exc), type=ERROR_ORDER_CLOSED, non_retryable=True)
    if isinstance(exc, OutOfStock):
        return ApplicationError(
            str(exc), exc.product_names, type=ERROR_OUT_OF_STOCK, non_retryable=True
        )
    if isinstance(exc, PaymentDeclined):
        kind = (
            ERROR_INSUFFICIENT_FUNDS if exc.code == "insufficient_funds" else ERROR_PAYMENT_DECLINED
        )
        return ApplicationError(exc.message, exc.code, type=kind, non_retryable=True)
    if isinstance(exc, TransientPaymentError):
        return ApplicationError(exc.message, exc.code, type="TransientPaymentError")
    if isinstance(exc, PaymentError):
        return ApplicationError(exc.message, exc.code, type=ERROR_PAYMENT, non_retryable=True)
    if isinstance(exc, IllegalTransition):
        return ApplicationError(str(exc), type=ERROR_ILLEGAL_TRANSITION, non_retryable=True)
    return None


def _close_old_connections() -> None:
    """Drop stale/broken connections, as Django does around each request. Skipped while a
    transaction is open in this thread (only when called inside one, e.g. in a test)."""
    if any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        return
    close_old_connections()


def _run(name: str, order_number: str, call: Callable[[], T], describe: Callable[[T], Any]) -> T:
    attempt = activity.info().attempt if activity.in_activity() else 1
    logger.info("activity %s order=%s attempt=%s: start", name, order_number, attempt)
    started = time.monotonic()
    _close_old_connections()
    try:
        result = call()
    except Exception as exc:
        error = _business_error(exc)
        took = time.monotonic() - started
        logger.warning(
            "activity %s order=%s attempt=%s: %s %s (%.3fs)",
            name,
            order_number,
            attempt,
            type(exc).__name__,
            exc,
            took,
        )
        if error is not None:
            raise error from exc
        raise
    finally:
        _close_old_connections()
    logger.info(
        "activity %s order=%s: ok %s (%.3fs)",
        name,
        order_number,
        describe(result),
        time.monotonic() - started,
    )
    return result


# --- forward steps ---------------------------------------------------------------------------


@activity.defn(name="validate_order")
def validate_order(order_number: str) -> ValidationResult:
    from django.conf import settings

    def call() -> ValidationResult:
        order = fulfilment.validate_order(order_number)
        return ValidationResult(
            order_number=order_number,
            status=order.status,
            delivery_timeout_seconds=fulfilment.delivery_timeout_seconds(),
            activity_timeout_seconds=float(
                getattr(settings, "ORDER_ACTIVITY_TIMEOUT_SECONDS", 30.0)
            ),
            retry_initial_interval_seconds=float(
                getattr(settings, "ORDER_RETRY_INITIAL_INTERVAL_SECONDS", 1.0)
            ),
            retry_maximum_interval_seconds=float(
                getattr(settings, "ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS", 60.0)
            ),
        )

    return _run("validate_order", order_number, call, lambda r: f"status={r.status}")


@activity.defn(name="reserve_inventory")
def reserve_inventory(order_number: str) -> str:
    return _run(
        "reserve_inventory",
        order_number,
        lambda: fulfilment.reserve_inventory(order_number).status,
        lambda s: f"status={s}",
    )


@activity.defn(name="charge_payment")
def charge_payment(order_number: str) -> str:
    def call() -> str:
        payment = fulfilment.charge_payment(order_number)
        faults.maybe_crash("after_charge")
        return payment.gateway_reference

    return _run("charge_payment", order_number, call, lambda ref: f"reference={ref}")


@activity.defn(name="create_shipment")
def create_shipment(order_number: str) -> ShipmentInfo:
    def call() -> ShipmentInfo:
        shipment = fulfilment.create_shipment(order_number)
        faults.maybe_crash("during_shipment")
        return ShipmentInfo(carrier=shipment.carrier, tracking_number=shipment.tracking_number)

    return _run("create_shipment", order_number, call, lambda s: f"{s.carrier} {s.tracking_number}")


@activity.defn(name="send_confirmation_email")
def send_confirmation_email(order_number: str) -> bool:
    return _send("send_confirmation_email", order_number, EmailNotification.Kind.CONFIRMATION)


@activity.defn(name="apply_carrier_event")
def apply_carrier_event(order_number: str, event: CarrierEvent) -> str:
    return _run(
        "apply_carrier_event",
        order_number,
        lambda: fulfilment.apply_carrier_event(
            order_number, event.status, event_id=event.event_id, note=event.note, actor=event.actor
        ),
        lambda s: f"{event.status} -> status={s}",
    )


@activity.defn(name="record_delivery_overdue")
def record_delivery_overdue(order_number: str, days: float) -> bool:
    return _run(
        "record_delivery_overdue",
        order_number,
        lambda: fulfilment.record_delivery_overdue(order_number, days),
        lambda recorded: f"recorded={recorded}",
    )


@activity.defn(name="record_compensation_failed")
def record_compensation_failed(order_number: str, failures: list[str]) -> bool:
    from orders.services import alerts

    return _run(
        "record_compensation_failed",
        order_number,
        lambda: alerts.record_compensation_failed(order_number, failures),
        lambda recorded: f"recorded={recorded}",
    )


@activity.defn(name="send_delivery_email")
def send_delivery_email(order_number: str) -> bool:
    return _send("send_delivery_email", order_number, EmailNotification.Kind.DELIVERED)


@activity.defn(name="complete_order")
def complete_order(order_number: str) -> str:
    return _run(
        "complete_order",
        order_number,
        lambda: fulfilment.complete_order(order_number).status,
        lambda s: f"status={s}",
    )


# --- compensations and endings -----------------------------------------------------------------


@activity.defn(name="refund_payment")
def refund_payment(order_number: str) -> str:
    def call() -> str:
        refund = fulfilment.refund_payment(order_number)
        return refund.gateway_reference if refund else ""

    return _run("refund_payment", order_number, call, lambda ref: f"reference={ref or 'none'}")


@activity.defn(name="release_inventory")
def release_inventory(order_number: str) -> int:
    return _run(
        "release_inventory",
        order_number,
        lambda: fulfilment.release_inventory(order_number),
        lambda n: f"released={n}",
    )


@activity.defn(name="mark_order_failed")
def mark_order_failed(order_number: str, reason: str, error_type: str) -> str:
    return _run(
        "mark_order_failed",
        order_number,
        lambda: fulfilment.mark_failed(order_number, reason, error_type).status,
        lambda s: f"status={s}",
    )


@activity.defn(name="mark_order_cancelled")
def mark_order_cancelled(order_number: str, actor: str, reason: str) -> str:
    return _run(
        "mark_order_cancelled",
        order_number,
        lambda: fulfilment.mark_cancelled(order_number, actor, reason).status,
        lambda s: f"status={s}",
    )


@activity.defn(name="send_failure_email")
def send_failure_email(order_number: str) -> bool:
    return _send("send_failure_email", order_number, EmailNotification.Kind.FAILED)


@activity.defn(name="send_cancellation_email")
def send_cancellation_email(order_number: str) -> bool:
    return _send("send_cancellation_email", order_number, EmailNotification.Kind.CANCELLED)


def _send(name: str, order_number: str, kind: str) -> bool:
    return _run(
        name,
        order_number,
        lambda: fulfilment.send_email(order_number, kind),
        lambda sent: "sent" if sent else "already sent",
    )


ALL_ACTIVITIES = [
    validate_order,
    reserve_inventory,
    charge_payment,
    create_shipment,
    send_confirmation_email,
    apply_carrier_event,
    record_delivery_overdue,
    record_compensation_failed,
    send_delivery_email,
    complete_order,
    refund_payment,
    release_inventory,
    mark_order_failed,
    mark_order_cancelled,
    send_failure_email,
    send_cancellation_email,
]
