"""Order emails: rendered from ``templates/emails/<kind>.{subject.txt,txt,html}`` and sent
at most once per (order, kind), never holding a database transaction open across SMTP.

1. The intent is committed first: an ``EmailNotification`` row with a deterministic
   ``Message-ID`` (``<order-<number>-<kind>@<domain>>``).
2. A send lease is taken by one conditional ``UPDATE`` (only while unsent and no other send
   started within ``EMAIL_SEND_LEASE_SECONDS``): an attempt retried beside a slow one does not
   send, it retries later.
3. The message goes out (``EMAIL_TIMEOUT`` bounds every SMTP call) with that ``Message-ID``.
4. ``sent_at`` and an ``email_sent`` event are committed.

A crash or a cut database connection between 3 and 4 leaves an uncertain send: the retry sends
again, with the same ``Message-ID``, which mail systems and clients collapse into one message.
A retry after 4 sends nothing. ``docs/OPERATIONS.md`` states this guarantee.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.templatetags.emails import email_name
from orders import events
from orders.links import signed_order_url
from orders.models import EmailNotification, Order, OrderEvent

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
        # The name as emails show it (orders' names are strangers' input: see email_name).
        "shipping_lines": [
            line
            for line in (email_name(order.ship_full_name), *order.shipping_address_lines()[1:])
            if line
        ],
        "shipment": shipment,
        "order_url": signed_order_url(order.number, order.link_version),
        "admin_url": settings.SHOP_BASE_URL.rstrip("/") + f"/admin/orders/order/{order.pk}/change/",
        "currency": order.currency,
        "shop_name": "Temporal Shop",
        **(extra or {}),
    }


def render(order: Order, kind: str, extra: dict[str, Any] | None = None) -> tuple[str, str, str]:
    """(subject, text body, html body) of the ``kind`` email for ``order``, in the customer's
    language (``Order.language``; staff emails in the shop's)."""
    context = build_context(order, extra)
    language = settings.LANGUAGE_CODE if kind in STAFF_KINDS else order.language
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"emails/{kind}.subject.txt", context).split())
        text = render_to_string(f"emails/{kind}.txt", context)
        html = render_to_string(f"emails/{kind}.html", context)
    return subject, text, html


def message_id(order: Order, kind: str, reference: str = "") -> str:
    """The same ``Message-ID`` for every attempt at one order's ``kind`` email (of the refund or
    return numbered ``reference``, for kinds an order can have several of)."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "localhost"
    suffix = f"-{reference}" if reference else ""
    return f"<order-{order.number}-{kind}{suffix}@{domain}>"


class SendInProgress(Exception):
    """Another attempt took the send lease moments ago: retry later (it may have sent)."""


def send_order_email(
    order: Order,
    kind: str,
    extra: dict[str, Any] | None = None,
    *,
    reference: str = "",
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> bool:
    """Send the ``kind`` email of ``order`` (for ``reference``: a refund's or return's number)
    unless it was already sent. True if sent now. ``attachments`` are (filename, content,
    mimetype). Raises ``SendInProgress`` (retryable) while another attempt holds the send
    lease."""
    recipients = _recipients(order, kind)
    subject, text, html = render(order, kind, extra)
    with transaction.atomic():
        note, _ = EmailNotification.objects.get_or_create(
            order=order,
            kind=kind,
            reference=reference,
            defaults={
                "recipient": ", ".join(recipients),
                "subject": subject[:200],
                "message_id": message_id(order, kind, reference),
            },
        )
    if note.sent_at is not None:
        logger.info("order %s: %s email already sent, skipping", order.number, kind)
        return False
    if not _take_send_lease(note):
        note.refresh_from_db(fields=["sent_at"])
        if note.sent_at is not None:
            logger.info("order %s: %s email already sent, skipping", order.number, kind)
            return False
        raise SendInProgress(f"Order {order.number}: the {kind} email is being sent right now.")
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"Message-ID": note.message_id or message_id(order, kind, reference)},
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or ():
        message.attach(filename, content, mimetype)
    try:
        message.send(fail_silently=False)  # outside any transaction; EMAIL_TIMEOUT bounds it
    except Exception:
        # The send failed (or may have): the next attempt may send at once, same Message-ID.
        EmailNotification.objects.filter(pk=note.pk, sent_at__isnull=True).update(
            send_started_at=None
        )
        raise
    _record_sent(order, note, kind, recipients)
    logger.info("order %s: %s email sent to %s", order.number, kind, recipients)
    return True


def _take_send_lease(note: EmailNotification) -> bool:
    """One conditional UPDATE: this attempt may send (unsent, no fresh lease held)."""
    now = timezone.now()
    stale = now - timedelta(seconds=float(settings.EMAIL_SEND_LEASE_SECONDS))
    taken = (
        EmailNotification.objects.filter(pk=note.pk, sent_at__isnull=True)
        .filter(Q(send_started_at__isnull=True) | Q(send_started_at__lt=stale))
        .update(send_started_at=now, attempts=F("attempts") + 1)
    )
    return bool(taken)


def _record_sent(order: Order, note: EmailNotification, kind: str, recipients: list[str]) -> None:
    with transaction.atomic():
        marked = EmailNotification.objects.filter(pk=note.pk, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
        if not marked:
            return
        # The timeline is shown to shoppers: staff addresses stay on the EmailNotification.
        to = "staff" if kind in STAFF_KINDS else ", ".join(recipients)
        events.record(
            order,
            OrderEvent.Kind.EMAIL_SENT,
            f"{Kind(kind).label} email sent to {to}.",
            data={"email": kind, "message_id": note.message_id},
        )
