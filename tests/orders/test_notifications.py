"""Order emails: text + HTML from templates/emails/, sent once per (order, kind)."""

from __future__ import annotations

import smtplib
import threading
import time
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection

from orders.links import token_grants
from orders.models import EmailNotification, OrderEvent
from orders.notifications import SendInProgress, send_order_email
from tests.workflows.helpers import make_order, wait_for

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_confirmation_has_lines_totals_and_a_signed_link(settings):
    # Given an order of 2 x a product at 19.99 for a customer with an ampersand in her name
    settings.SHOP_BASE_URL = "https://shop.example.com"
    order = make_order(quantity=2, price="19.99")
    order.ship_full_name = "Ada & Co"
    order.save()
    line = order.lines.get()

    # When the confirmation is sent
    assert send_order_email(order, "confirmation") is True

    # Then text and HTML carry the lines, totals and a link that opens this order
    message = mail.outbox[0]
    assert message.subject == f"Your order {order.number} is confirmed"
    assert message.to == ["guest@example.com"]
    assert f"  2 x {line.name}  €39.98\n" in message.body
    assert "  Total: €44.88\n" in message.body
    assert "Hello Ada & Co," in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Hello Ada &amp; Co," in html
    assert "<strong>€44.88</strong>" in html
    url = next(w for w in message.body.split() if w.startswith("https://shop.example.com/"))
    parsed = urlparse(url)
    assert parsed.path == f"/orders/{order.number}/"
    assert token_grants(parse_qs(parsed.query)["t"][0], order.number)


def test_sent_once_and_recorded():
    # Given an order
    order = make_order()

    # When the same email is sent twice
    results = [send_order_email(order, "delivered"), send_order_email(order, "delivered")]

    # Then it went out once, with its row and one event
    assert results == [True, False]
    assert len(mail.outbox) == 1
    note = EmailNotification.objects.get(order=order)
    assert (note.kind, note.recipient, note.subject) == (
        "delivered",
        "guest@example.com",
        f"Your order {order.number} has been delivered",
    )
    assert note.sent_at is not None
    assert list(
        OrderEvent.objects.filter(order=order, kind="email_sent").values_list("message", flat=True)
    ) == ["Delivery notification email sent to guest@example.com."]


def test_a_failed_send_is_retried(settings):
    # Given a mail server that is down
    order = make_order()
    settings.EMAIL_BACKEND = "tests.orders.test_notifications.FailingBackend"

    # When the email is sent, fails, then the server is back and it is retried
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_order_email(order, "confirmation")
    assert EmailNotification.objects.get(order=order).sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent = send_order_email(order, "confirmation")

    # Then the retry sent it
    assert sent is True
    assert len(mail.outbox) == 1
    assert EmailNotification.objects.get(order=order).sent_at is not None


def test_overdue_alert_goes_to_staff(settings):
    # Given two staff addresses
    settings.SHOP_STAFF_EMAILS = ["ops@example.com", "boss@example.com"]
    order = make_order()

    # When the overdue alert is sent
    send_order_email(order, "overdue_staff", {"overdue_days": "14"})

    # Then staff get it, not the customer
    message = mail.outbox[0]
    assert message.to == ["ops@example.com", "boss@example.com"]
    assert message.subject == f"[Staff] Delivery of order {order.number} is overdue"
    assert "has not been delivered after 14 days" in message.body


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        ("failed", "We could not complete your order {}"),
        ("cancelled", "Your order {} has been cancelled"),
    ],
)
def test_failure_and_cancellation_emails(kind, subject):
    # Given an order that ended with a reason
    order = make_order()
    order.failure_reason = "The payment was declined by the card issuer."
    order.save()

    # When its email is sent
    send_order_email(order, kind, {"refunded": False})

    # Then it says why and that nothing was charged
    message = mail.outbox[0]
    assert message.subject == subject.format(order.number)
    assert "Reason: The payment was declined by the card issuer." in message.body
    assert "Your card has not been charged." in message.body


class SlowBackend(locmem.EmailBackend):
    """The in-memory backend behind a slow mail server (as when an activity times out while
    its send is still running and the retry starts beside it)."""

    def send_messages(self, messages):
        time.sleep(0.3)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_a_retry_running_beside_a_slow_send_does_not_send_again(settings):
    # Given an order and a mail server that takes 0.3 s per message
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    order = make_order()
    first: list[bool] = []

    def send():
        try:
            first.append(send_order_email(order, "confirmation"))
        finally:
            connection.close()

    # When a retry starts while the first attempt is still talking to the mail server
    thread = threading.Thread(target=send)
    thread.start()
    wait_for(
        lambda: EmailNotification.objects.filter(
            order=order, send_started_at__isnull=False
        ).exists()
    )
    with pytest.raises(SendInProgress):
        send_order_email(order, "confirmation")
    thread.join(timeout=20)

    # Then the retry sent nothing (it will retry later), the first sent once, and a later
    # retry finds it sent
    assert first == [True]
    assert send_order_email(order, "confirmation") is False
    assert len(mail.outbox) == 1
    assert OrderEvent.objects.filter(order=order, kind="email_sent").count() == 1


def test_every_attempt_uses_the_same_message_id(settings):
    # Given a mail server that fails the first attempt
    settings.EMAIL_BACKEND = f"{__name__}.FailOnceBackend"
    FailOnceBackend.failed = False
    order = make_order()

    # When the confirmation is sent, fails, and is sent again
    with pytest.raises(ConnectionError):
        send_order_email(order, "confirmation")
    assert send_order_email(order, "confirmation") is True

    # Then the message carries the deterministic Message-ID, and the row counts two attempts
    expected = f"<order-{order.number}-confirmation@example.com>"
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [expected]
    note = EmailNotification.objects.get(order=order, kind="confirmation")
    assert (note.message_id, note.attempts) == (expected, 2)


class FailOnceBackend(locmem.EmailBackend):
    failed = False

    def send_messages(self, messages):
        if not FailOnceBackend.failed:
            FailOnceBackend.failed = True
            raise ConnectionError("mail server went away")
        return super().send_messages(messages)
