"""``OrderWorkflow``'s activities: thin sync functions run on the worker's thread pool.

Each body is one call into ``orders.services``; ``@order_step`` does the rest (stale
connections, logging with timing, business errors as non-retryable ``ApplicationError``s).
Everything they call is idempotent, keyed by the order: a retried activity has the effect of
one.
"""

from __future__ import annotations

from invoices import services as invoicing
from orders.models import EmailNotification
from orders.payments import CardToken
from orders.services import alerts, billing, emails, fulfilment
from promotions import services as vouchers
from workflows.config import workflow_config
from workflows.steps import order_step
from workflows.types import CarrierEvent, PaymentAttempt, ShipmentInfo, ValidationResult

# --- forward steps ---------------------------------------------------------------------------


@order_step(describe=lambda r: f"status={r.status}")
def validate_order(order_number: str) -> ValidationResult:
    order = fulfilment.validate_order(order_number)
    # The settings go along for workflows started before ``OrderInput`` carried them.
    config = workflow_config()
    return ValidationResult(
        order_number=order_number,
        status=order.status,
        customer_id=str(order.user_id or ""),
        order_total=float(order.total),
        delivery_timeout_seconds=config.delivery_timeout_seconds,
        activity_timeout_seconds=config.activity_timeout_seconds,
        retry_initial_interval_seconds=config.retry_initial_interval_seconds,
        retry_maximum_interval_seconds=config.retry_maximum_interval_seconds,
    )


@order_step(describe=lambda s: f"status={s}")
def reserve_inventory(order_number: str) -> str:
    return fulfilment.reserve_inventory(order_number).status


@order_step(describe=lambda ref: f"reference={ref}", crash_point="after_charge")
def charge_payment(order_number: str) -> str:
    return billing.charge_payment(order_number).gateway_reference


@order_step(describe=lambda ref: f"reference={ref}", crash_point="after_authorize")
def authorize_payment(order_number: str, attempt: PaymentAttempt) -> str:
    method = attempt.method
    card = CardToken(method.token, method.brand, method.last4) if method else None
    return billing.authorize_payment(order_number, attempt.attempt, card).gateway_reference


@order_step(describe=lambda ref: f"reference={ref}", crash_point="after_capture")
def capture_payment(order_number: str) -> str:
    return billing.capture_payment(order_number).gateway_reference


@order_step(describe=lambda s: f"{s.carrier} {s.tracking_number}", crash_point="during_shipment")
def create_shipment(order_number: str) -> ShipmentInfo:
    shipment = fulfilment.create_shipment(order_number)
    return ShipmentInfo(carrier=shipment.carrier, tracking_number=shipment.tracking_number)


@order_step(describe=lambda number: f"invoice {number}")
def issue_invoice(order_number: str) -> str:
    return invoicing.issue_invoice(order_number)


@order_step(describe=lambda sent: "sent" if sent else "already sent")
def send_confirmation_email(order_number: str) -> bool:
    return emails.send_email(order_number, EmailNotification.Kind.CONFIRMATION)


@order_step(describe=lambda s: f"status={s}")
def apply_carrier_event(order_number: str, event: CarrierEvent) -> str:
    return fulfilment.apply_carrier_event(
        order_number, event.status, event_id=event.event_id, note=event.note, actor=event.actor
    )


@order_step(describe=lambda recorded: f"recorded={recorded}")
def record_delivery_overdue(order_number: str, days: float) -> bool:
    return fulfilment.record_delivery_overdue(order_number, days)


@order_step(describe=lambda sent: "sent" if sent else "already sent")
def send_delivery_email(order_number: str) -> bool:
    return emails.send_email(order_number, EmailNotification.Kind.DELIVERED)


@order_step(describe=lambda s: f"status={s}")
def complete_order(order_number: str) -> str:
    return fulfilment.complete_order(order_number).status


# --- compensations and endings -----------------------------------------------------------------


@order_step(describe=lambda ref: f"reference={ref or 'none'}")
def refund_payment(order_number: str) -> str:
    refund = billing.refund_payment(order_number)
    return refund.gateway_reference if refund else ""


@order_step(describe=lambda ref: f"reference={ref or 'none'}")
def void_payment(order_number: str) -> str:
    void = billing.void_payment(order_number)
    return void.gateway_reference if void else ""


@order_step(
    describe=lambda given_back: "usage given back" if given_back else "nothing to give back"
)
def release_voucher(order_number: str) -> bool:
    return vouchers.release_voucher_for_order(order_number)


@order_step(describe=lambda n: f"released={n}")
def release_inventory(order_number: str) -> int:
    return fulfilment.release_inventory(order_number)


@order_step(describe=lambda recorded: f"recorded={recorded}")
def record_compensation_failed(order_number: str, failures: list[str]) -> bool:
    return alerts.record_compensation_failed(order_number, failures)


@order_step(describe=lambda s: f"status={s}")
def mark_order_failed(order_number: str, reason: str, error_type: str) -> str:
    return fulfilment.mark_failed(order_number, reason, error_type).status


@order_step(describe=lambda s: f"status={s}")
def mark_order_cancelled(order_number: str, actor: str, reason: str) -> str:
    return fulfilment.mark_cancelled(order_number, actor, reason).status


@order_step(describe=lambda sent: "sent" if sent else "already sent")
def send_failure_email(order_number: str) -> bool:
    return emails.send_email(order_number, EmailNotification.Kind.FAILED)


@order_step(describe=lambda sent: "sent" if sent else "already sent")
def send_cancellation_email(order_number: str) -> bool:
    return emails.send_email(order_number, EmailNotification.Kind.CANCELLED)


ALL_ACTIVITIES = [
    validate_order,
    reserve_inventory,
    charge_payment,
    authorize_payment,
    create_shipment,
    capture_payment,
    issue_invoice,
    send_confirmation_email,
    apply_carrier_event,
    record_delivery_overdue,
    record_compensation_failed,
    send_delivery_email,
    complete_order,
    refund_payment,
    void_payment,
    release_inventory,
    release_voucher,
    mark_order_failed,
    mark_order_cancelled,
    send_failure_email,
    send_cancellation_email,
]
