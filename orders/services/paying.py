"""The shopper's side of paying: the card's answer right after checkout (Temporal's "early
return": Update-with-Start, bounded wait) and paying again after a decline.

Both wait at most ``CHECKOUT_PAYMENT_WAIT_SECONDS``; without an answer by then the outcome is
``pending`` and the order goes on without the shopper watching (email, order page).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings

from orders.models import Order
from orders.payments import CardToken
from orders.services.checkout import record_workflow_started
from shop.metrics import CHECKOUT_WAIT
from workflows.client import (
    PAYMENT_DECLINED,
    PaymentMethod,
    PaymentOutcome,
    retry_payment,
    start_order_with_payment_outcome,
)

logger = logging.getLogger(__name__)


def _wait() -> float:
    return float(settings.CHECKOUT_PAYMENT_WAIT_SECONDS)


def pay_at_checkout(order: Order) -> PaymentOutcome:
    """Start the order's workflow and wait, bounded, for the card's first answer. Never
    raises for Temporal's sake: ``pending`` when it did not answer (the sweeper starts an
    order whose start did not go through)."""
    started = time.monotonic()
    result = start_order_with_payment_outcome(order.number, wait=_wait())
    CHECKOUT_WAIT.labels(outcome=result.outcome.status).observe(time.monotonic() - started)
    if result.started:
        record_workflow_started(order, started_now=True)
    else:
        logger.warning("Order %s: start not confirmed; the sweeper will see to it", order.number)
    if result.outcome.status == PAYMENT_DECLINED:
        logger.warning("Order %s: payment declined code=%s", order.number, result.outcome.code)
    return result.outcome


def pay_again(order: Order, card: CardToken) -> PaymentOutcome:
    """Try another card on an order waiting for payment. Raises ``PaymentRefused`` (the order
    no longer waits for one), ``TemporalUnavailable`` or ``WorkflowNotFound``."""
    method = PaymentMethod(token=card.token, brand=card.brand, last4=card.last4)
    outcome = retry_payment(order.number, method, wait=_wait())
    if outcome.status == PAYMENT_DECLINED:
        logger.warning("Order %s: payment declined again code=%s", order.number, outcome.code)
    return outcome
