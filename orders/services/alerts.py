"""Staff alerts raised by the order workflow when something needs a person."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail

from orders import events, notifications
from orders.models import EmailNotification, OrderEvent
from shop.locks import locked_order

logger = logging.getLogger(__name__)
STEP_ALERT_TTL = 30 * 86400  # seconds an alert for an order's step is remembered


def record_compensation_failed(number: str, failures: list[str]) -> bool:
    """An undo step (refund, stock release) failed for good: record it on the order and email
    staff, once per order. True if recorded now."""
    with locked_order(number) as order:
        recorded = not OrderEvent.objects.filter(
            order=order, kind=OrderEvent.Kind.COMPENSATION_FAILED
        ).exists()
        if recorded:
            events.record(
                order,
                OrderEvent.Kind.COMPENSATION_FAILED,
                "Something could not be undone automatically: staff have been alerted.",
                data={"failures": failures},
            )
    notifications.send_order_email(
        order, EmailNotification.Kind.COMPENSATION_STAFF, {"failures": failures}
    )
    return recorded


STEP_ALERT_ACTOR = "monitor"  # the actor of the event a repeatedly failing step leaves


def alert_step_failing(number: str, step: str, attempt: int, error: Exception) -> bool:
    """A step failed its ``ORDER_ALERT_AFTER_ATTEMPTS``-th attempt or later: log at ERROR with
    the order and the error; the first time per order and step (deduplicated in the shared
    cache), note it on the order and email staff. True if staff were alerted now. Never
    raises: the step's own failure is what the workflow must see."""
    detail = f"{type(error).__name__}: {error}"
    logger.error("order %s: step %s still failing at attempt %s: %s", number, step, attempt, detail)
    if not cache.add(f"step-alert:{number}:{step}", attempt, timeout=STEP_ALERT_TTL):
        return False
    try:
        with locked_order(number) as order:
            events.record(
                order,
                OrderEvent.Kind.STAFF_ACTION,
                f"Step {step} keeps failing (attempt {attempt}): {detail}",
                actor=STEP_ALERT_ACTOR,
                data={"step": step, "attempt": attempt},
            )
    except Exception:  # the database may be what fails: the email still goes
        logger.exception("order %s: could not note the failing step %s", number, step)
    try:
        send_mail(
            f"[shop] Order {number}: step {step} keeps failing",
            f"Order {number}: the step {step} failed {attempt} times; it is still retried.\n\n"
            f"Last error: {detail}\n\nAdmin: {settings.SHOP_BASE_URL.rstrip('/')}"
            f"/admin/orders/order/?attention=failing\n",
            settings.DEFAULT_FROM_EMAIL,
            list(settings.SHOP_STAFF_EMAILS),
        )
    except Exception:
        logger.exception("order %s: staff alert for step %s not sent", number, step)
    return True
