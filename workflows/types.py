"""Inputs, outputs and message payloads of ``OrderWorkflow``: small dataclasses, no Django.

Shared by the workflow (sandboxed), the activities, the client used by views and the tests.
Changing a field here changes recorded histories: add optional fields only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WORKFLOW_NAME = "OrderWorkflow"
QUERY_PROGRESS = "progress"
UPDATE_CANCEL = "cancel"
UPDATE_PAYMENT_OUTCOME = "payment_outcome"
UPDATE_RETRY_PAYMENT = "retry_payment"
SIGNAL_CARRIER_EVENT = "carrier_event"

# Carrier event statuses accepted by the signal and the webhook.
CARRIER_IN_TRANSIT = "in_transit"
CARRIER_DELIVERED = "delivered"
CARRIER_EXCEPTION = "exception"
CARRIER_STATUSES = (CARRIER_IN_TRANSIT, CARRIER_DELIVERED, CARRIER_EXCEPTION)


def workflow_id_for(order_number: str) -> str:
    return f"order-{order_number}"


@dataclass
class OrderInput:
    """What the workflow is started with. The settings it runs by travel here (filled from
    Django settings by the client at start) so they are recorded in history; histories started
    before these fields existed carry them in ``ValidationResult`` instead (``None`` here)."""

    order_number: str
    delivery_timeout_seconds: float | None = None
    activity_timeout_seconds: float | None = None
    retry_initial_interval_seconds: float | None = None
    retry_maximum_interval_seconds: float | None = None
    payment_retry_seconds: float | None = None
    authorization_seconds: float | None = None
    email_task_queue: str | None = None
    # Upsert the search attributes (workflows.search_attributes); None/False: none (servers
    # without them, inputs recorded before the ``search-attributes`` patch).
    search_attributes: bool | None = None

    def config(self) -> WorkflowConfig | None:
        """The settings this input carries, or None for an input that carries none."""
        if self.activity_timeout_seconds is None:
            return None
        defaults = WorkflowConfig()
        return WorkflowConfig(
            delivery_timeout_seconds=_or(
                self.delivery_timeout_seconds, defaults.delivery_timeout_seconds
            ),
            activity_timeout_seconds=self.activity_timeout_seconds,
            retry_initial_interval_seconds=_or(
                self.retry_initial_interval_seconds, defaults.retry_initial_interval_seconds
            ),
            retry_maximum_interval_seconds=_or(
                self.retry_maximum_interval_seconds, defaults.retry_maximum_interval_seconds
            ),
            payment_retry_seconds=_or(self.payment_retry_seconds, defaults.payment_retry_seconds),
            authorization_seconds=_or(self.authorization_seconds, defaults.authorization_seconds),
            email_task_queue=self.email_task_queue or "",
        )


@dataclass(frozen=True)
class WorkflowConfig:
    """Timeouts and retry intervals of one order's workflow."""

    delivery_timeout_seconds: float = 14 * 86400.0
    activity_timeout_seconds: float = 30.0
    retry_initial_interval_seconds: float = 1.0
    retry_maximum_interval_seconds: float = 60.0
    # How long a declined order waits for the shopper to pay again, and how long an
    # authorization may stay uncaptured (providers let holds lapse after about a week).
    payment_retry_seconds: float = 30 * 60.0
    authorization_seconds: float = 7 * 86400.0
    # Where the steps that talk to the mail server run ('' = the workflow's own queue), so a
    # hung mail server holds only that queue's slots.
    email_task_queue: str = ""


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


@dataclass
class OrderResult:
    order_number: str
    status: str  # final order status: completed | failed | cancelled
    failure_reason: str = ""


@dataclass
class StepRecord:
    step: str
    status: str  # started | completed | failed | compensated
    detail: str = ""


@dataclass
class Progress:
    order_number: str
    current_step: str
    status: str
    steps: list[StepRecord] = field(default_factory=list)
    failure_reason: str = ""
    cancel_requested: bool = False
    delivery_overdue: bool = False


@dataclass
class CancelRequest:
    actor: str = "customer"
    reason: str = ""


@dataclass
class CancelResult:
    cancelled: bool
    message: str


# What the shopper learns of a payment attempt (``payment_outcome`` / ``retry_payment`` updates).
PAYMENT_AUTHORIZED = "authorized"
PAYMENT_DECLINED = "declined"  # the order waits for another card
PAYMENT_FAILED = "failed"  # the order failed or was cancelled before or instead of paying
PAYMENT_PENDING = "pending"  # Temporal did not answer in time (set by the client, not here)
PAYMENT_OUTCOMES = (PAYMENT_AUTHORIZED, PAYMENT_DECLINED, PAYMENT_FAILED, PAYMENT_PENDING)


@dataclass
class PaymentOutcome:
    status: str  # one of PAYMENT_OUTCOMES
    code: str = ""  # card_declined, insufficient_funds, ... when declined
    message: str = ""
    attempt: int = 0


@dataclass
class PaymentMethod:
    """A new card for ``retry_payment``: the provider's token and display data only."""

    token: str
    brand: str = ""
    last4: str = ""


@dataclass
class PaymentAttempt:
    """``authorize_payment``'s argument: attempt 1 uses the card given at checkout; later
    attempts carry the card the shopper gave on the pay page."""

    attempt: int = 1
    method: PaymentMethod | None = None


@dataclass
class CarrierEvent:
    status: str  # one of CARRIER_STATUSES
    tracking_number: str = ""
    event_id: str = ""  # carrier's id for the event: repeated events are ignored
    note: str = ""
    actor: str = "carrier"


# --- Activity payloads (added for OrderWorkflow; optional fields only from here on) ---------


@dataclass
class ValidationResult:
    """What ``validate_order`` returns: the order's status, plus the workflow's settings for
    workflows whose input carries none (started before ``OrderInput`` had them)."""

    order_number: str
    status: str
    delivery_timeout_seconds: float = 14 * 86400.0
    activity_timeout_seconds: float = 30.0
    retry_initial_interval_seconds: float = 1.0
    retry_maximum_interval_seconds: float = 60.0
    # For the search attributes: the customer's user id ('' for a guest) and the total.
    customer_id: str = ""
    order_total: float | None = None

    def config(self) -> WorkflowConfig:
        return WorkflowConfig(
            delivery_timeout_seconds=self.delivery_timeout_seconds,
            activity_timeout_seconds=self.activity_timeout_seconds,
            retry_initial_interval_seconds=self.retry_initial_interval_seconds,
            retry_maximum_interval_seconds=self.retry_maximum_interval_seconds,
        )


@dataclass
class ShipmentInfo:
    carrier: str
    tracking_number: str
    status: str = "shipped"


# Error types of the non-retryable ApplicationErrors raised by the activities.
ERROR_INVALID_ORDER = "InvalidOrder"
ERROR_ORDER_CLOSED = "OrderClosed"
ERROR_OUT_OF_STOCK = "OutOfStock"
ERROR_PAYMENT_DECLINED = "PaymentDeclined"
ERROR_INSUFFICIENT_FUNDS = "InsufficientFunds"
ERROR_PAYMENT = "PaymentError"
ERROR_ILLEGAL_TRANSITION = "IllegalTransition"
ERROR_AUTHORIZATION_EXPIRED = "AuthorizationExpired"
BUSINESS_ERROR_TYPES = (
    ERROR_INVALID_ORDER,
    ERROR_ORDER_CLOSED,
    ERROR_OUT_OF_STOCK,
    ERROR_PAYMENT_DECLINED,
    ERROR_INSUFFICIENT_FUNDS,
    ERROR_PAYMENT,
    ERROR_ILLEGAL_TRANSITION,
)
