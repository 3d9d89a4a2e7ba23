"""The shop must not carry a stranger's text to an address they typed: customers' cancel
reasons stay out of emails (staff's go in), names in emails are capped and stripped of links."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.templatetags.emails import email_name
from orders.models import OrderEvent
from orders.notifications import send_order_email
from orders.services.tracking import cancel_order
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

SPAM = "Win a prize at http://spam.example/claim now"


def test_a_customers_cancel_reason_is_not_emailed_but_kept_for_staff(
    client, django_capture_on_commit_callbacks
):
    # given the guest browser that placed an order (no workflow yet)
    order = OrderFactory(number="E0000001", email="victim@example.com")
    session = client.session
    session["orders.visible"] = ["E0000001"]
    session.save()

    # when it cancels with a free-text reason
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/orders/E0000001/cancel/", {"reason": SPAM})

    # then the email says it was cancelled at the customer's request, without their text
    order.refresh_from_db()
    assert order.failure_reason == "Cancelled at your request."
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body + mail.outbox[0].alternatives[0][0]
    assert "Reason: Cancelled at your request." in mail.outbox[0].body
    assert "spam.example" not in body
    # and staff still see the customer's words, in a staff-only note
    note = OrderEvent.objects.get(order=order, kind="staff_action")
    assert note.data == {"customer_reason": SPAM}


def test_a_staff_reason_is_emailed(django_capture_on_commit_callbacks):
    # given an order staff cancel with a reason
    order = OrderFactory(number="E0000002")

    # when staff cancel it
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order, actor="staff@example.com", reason="Out of stock", staff=True)

    # then the reason is in the email
    assert "Reason: Out of stock" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        pytest.param("Ada Lovelace", "Ada Lovelace", id="plain"),
        pytest.param("  Zoë  O'Brien-Smith ", "Zoë O'Brien-Smith", id="accents-apostrophe"),
        pytest.param("Ada & Co", "Ada & Co", id="ampersand"),
        pytest.param("Go to http://spam.example now", "", id="url"),
        pytest.param("cheap-pills.example", "", id="domain"),
        pytest.param("www.spam", "", id="www"),
        pytest.param("mail me: bob@spam.example", "", id="email"),
        pytest.param("A" * 150, "A" * 40, id="capped"),
        pytest.param("Bob\r\nBcc: x", "Bob Bcc x", id="newlines"),
        pytest.param("<Bob> $$$ 100% OFF!!!", "Bob OFF", id="symbols"),
        pytest.param("12345", "", id="no-letters"),
    ],
)
def test_names_in_emails_are_capped_and_stripped(name, shown):
    # given a name typed into the checkout
    # when emails show it
    # then it is letters and plain punctuation only, at most 40 characters, never a link
    assert email_name(name) == shown


def test_the_confirmation_email_greets_a_link_name_without_it(settings):
    # given a guest order whose name is an advert
    order = OrderFactory(number="E0000003", ship_full_name=SPAM, status="shipped")

    # when its confirmation is sent
    send_order_email(order, "confirmation")

    # then neither the greeting nor the address block carries it
    message = mail.outbox[0]
    assert message.body.startswith("Hello,\n")
    assert "spam.example" not in message.body + message.alternatives[0][0]
