"""A return's emails (once each, in the order's language) and the statuses the sandboxed
workflow shares with the model."""

from __future__ import annotations

import pytest
from django.core import mail

from returns.models import FINAL_STATUSES, ReturnStatus
from returns.services.emails import send_return_email
from tests.returns.factories import delivered_order, make_return
from workflows import return_types

pytestmark = pytest.mark.django_db


def test_the_requested_email_carries_tracking_number_and_instructions_once():
    # Given a return
    order = delivered_order()
    ret = make_return(order, status="requested")
    ret.instructions = "Pack it well."
    ret.save()

    # When its "requested" email is sent twice (a retried activity)
    first = send_return_email(ret.number, "return_requested")
    second = send_return_email(ret.number, "return_requested")

    # Then one message went out, with the tracking number, the instructions and the item
    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"Your return {ret.number}: how to send it back"
    assert f"Return tracking number: {ret.tracking_number}" in message.body
    assert "Pack it well." in message.body
    assert f"1 x {order.lines.get().name}" in message.body
    assert message.extra_headers["Message-ID"].startswith(
        f"<order-{order.number}-return_requested-{ret.number}@"
    )


def test_a_german_order_gets_german_return_emails():
    # Given a German customer's return
    order = delivered_order()
    order.language = "de"
    order.save()
    ret = make_return(order, status="expired")

    # When the "expired" email is sent
    send_return_email(ret.number, "return_expired")

    # Then it is in German
    assert mail.outbox[0].subject == f"Ihre Rücksendung {ret.number} ist abgelaufen"


def test_the_workflow_statuses_are_the_models():
    # Given / When both lists are read / Then the sandboxed strings match the model's choices
    assert list(ReturnStatus.values) == [
        return_types.STATUS_REQUESTED,
        return_types.STATUS_APPROVED,
        return_types.STATUS_REJECTED,
        return_types.STATUS_IN_TRANSIT,
        return_types.STATUS_RECEIVED,
        return_types.STATUS_REFUNDED,
        return_types.STATUS_REFUND_FAILED,
        return_types.STATUS_EXPIRED,
    ]
    assert set(return_types.FINAL_STATUSES) == set(FINAL_STATUSES)
