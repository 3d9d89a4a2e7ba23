"""Compensations and terminal steps run twice have the effect of one; with nothing to undo
they do nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from orders.models import (
    GatewayTransaction,
    OrderEvent,
    Payment,
)
from tests.workflows.activity_env import advance, event_kinds, run
from tests.workflows.helpers import (
    make_order,
    stock_of,
)
from workflows import activities as acts

pytestmark = pytest.mark.django_db


def test_refund_and_release_twice():
    # Given a paid order (2 units reserved of 10)
    order = make_order(quantity=2, stock=10)
    advance(order, 3)

    # When the compensations run twice each
    for _ in range(2):
        run(acts.refund_payment, order.number)
        run(acts.release_inventory, order.number)

    # Then one refund at the provider and in the shop, stock back once
    assert list(GatewayTransaction.objects.values_list("kind", "status", "attempts")) == [
        ("charge", "succeeded", 1),
        ("refund", "succeeded", 1),
    ]
    assert list(Payment.objects.filter(order=order).values_list("kind", "amount")) == [
        ("charge", Decimal("44.88")),
        ("refund", Decimal("44.88")),
    ]
    assert stock_of(order) == [10]
    assert event_kinds(order).count("payment_refunded") == 1
    assert event_kinds(order).count("stock_released") == 1


def test_compensations_with_nothing_to_undo():
    # Given a validated order (nothing reserved or charged)
    order = make_order(quantity=2, stock=10)
    advance(order, 1)

    # When the compensations run
    refund = run(acts.refund_payment, order.number)
    released = run(acts.release_inventory, order.number)

    # Then nothing happened
    assert (refund, released) == ("", 0)
    assert GatewayTransaction.objects.count() == 0
    assert stock_of(order) == [10]


def test_mark_failed_and_failure_email_twice():
    # Given a reserved order
    order = make_order()
    advance(order, 2)

    # When it is marked failed and emailed twice
    for _ in range(2):
        assert run(acts.mark_order_failed, order.number, "Card declined.", "PaymentDeclined") == (
            "failed"
        )
        run(acts.send_failure_email, order.number)

    # Then one move, one email
    order.refresh_from_db()
    assert (order.status, order.failure_reason) == ("failed", "Card declined.")
    assert event_kinds(order).count("failed") == 1
    assert len(mail.outbox) == 1


def test_mark_cancelled_and_email_twice():
    # Given a paid, then refunded order
    order = make_order()
    advance(order, 3)
    run(acts.refund_payment, order.number)

    # When it is marked cancelled and emailed twice
    for _ in range(2):
        run(acts.mark_order_cancelled, order.number, "customer", "")
        run(acts.send_cancellation_email, order.number)

    # Then one move by the customer, one email saying it was refunded
    order.refresh_from_db()
    assert (order.status, order.failure_reason) == ("cancelled", "Cancelled by customer.")
    assert OrderEvent.objects.get(order=order, kind="cancelled").actor == "customer"
    assert len(mail.outbox) == 1
    assert "Your payment of €44.88 has been refunded." in mail.outbox[0].body


def test_failure_email_skipped_for_a_cancelled_order():
    # Given an order that was cancelled
    order = make_order()
    run(acts.mark_order_cancelled, order.number, "staff", "Duplicate order")

    # When a failure email is attempted
    sent = run(acts.send_failure_email, order.number)

    # Then none is sent
    assert sent is False
    assert mail.outbox == []


# --- business failures are typed and non-retryable ---------------------------------------------
