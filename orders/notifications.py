"""Order emails: rendered from ``templates/emails/<kind>.{subject.txt,txt,html}`` and sent
at most once per (order, kind).

The ``EmailNotification`` row is created first (in its own transaction); then, with that row
locked, the email is sent and ``sent_at`` is set together with an ``email_sent`` event. A
retried activity (even one running beside the attempt it retries) finds ``sent_at`` set and
skips; only a crash between sending and committing can repeat an email.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from orders import events
from orders.links import signed_order_url
from orders.models import EmailNotification, Order, OrderEvent
from shop import locks

logger = logging.getLogger(__name__)

Kind = EmailNotification.Kind
STAFF_KINDS = frozenset({Kind.OVERDUE_STAFF, Kind.COMPENSATION_STAFF})


def _recipients(order: Order, kind: str) -> list[str]:
    if kind in STAFF_KINDS:
        return list(settings.SHOP_STAFF_EMAILS)
    return [order.email]


def build_context(order: Order, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    shipment = getattr(order, "shipment", None)  # reverse one-to-one: None when missing
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "shipment": shipment,
        "order_url": signed_order_url(order.number),
        "admin_url": settings.SHOP_BASE_URL.rstrip("/") + f"/admin/orders/order/{order.pk}/change/",
        "currency": order.currency,
        "shop_name": "Temporal Shop",
        **(extra or {}),
    }


def render(order: Order, kind: str, extra: dict[str, Any] | None = None) -> tuple[str, str, str]:
    """(subject, text body, html body) of the ``kind`` email for ``order``."""
    context = build_context(order, extra)
    subject = " ".join(render_to_string(f"emails/{kind}.subject.txt", context).split())
    text = render_to_string(f"emails/{kind}.txt", context)
    html = render_to_string(f"emails/{kind}.html", context)
    return subject, text, html


def send_order_email(order: Order, kind: str, extra: dict[str, Any] | None = None) -> bool:
    """Send the ``kind`` email of ``order`` unless it was already sent. True if sent now."""
    recipients = _recipients(order, kind)
    subject, text, html = render(order, kind, extra)
    with transaction.atomic():
        note, _ = EmailNotification.objects.get_or_create(
            order=order,
            kind=kind,
            defaults={"recipient": ", ".join(recipients), "subject": subject[:200]},
        )
    if note.sent_at is not None:
        logger.info("order %s: %s email already sent, skipping", order.number, kind)
        return False
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    message.attach_alternative(html, "text/html")
    # The row stays locked while sending: an attempt retried beside a slow one (its activity
    # timed out) waits here, then finds ``sent_at`` set. A failed send rolls back: the retry
    # sends.
    with transaction.atomic():
        note = locks.email_notification(note.pk)
        if note.sent_at is not None:
            logger.info("order %s: %s email already sent, skipping", order.number, kind)
            return False
        message.send(fail_silently=False)
        note.sent_at = timezone.now()
        note.save(update_fields=["sent_at"])
        # The timeline is shown to shoppers: staff addresses stay on the EmailNotification.
        to = "staff" if kind in STAFF_KINDS else ", ".join(recipients)
        events.record(
            order,
            OrderEvent.Kind.EMAIL_SENT,
            f"{Kind(kind).label} email sent to {to}.",
            data={"email": kind},
        )
    logger.info("order %s: %s email sent to %s", order.number, kind, recipients)
    return True
