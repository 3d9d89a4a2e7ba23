"""Stuck work: a step failing its Nth attempt logs at ERROR and alerts staff once per order and
step; the admin's "needs attention" filter lists such orders, stuck ones and failed undos."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from temporalio.testing import ActivityEnvironment

from orders.models import Order, OrderEvent
from tests.factories import OrderFactory, StaffFactory
from workflows.steps import order_step

pytestmark = pytest.mark.django_db


@order_step(name="flaky_test_step")
def flaky_step(order_number: str) -> None:
    raise ConnectionError("database went away")


def attempt(number: str, n: int) -> None:
    env = ActivityEnvironment()
    env.info = replace(env.info, attempt=n)
    with pytest.raises(ConnectionError):
        env.run(flaky_step, number)


def test_a_step_failing_its_nth_attempt_logs_error_and_emails_staff_once(settings, caplog):
    # Given alerts after 3 attempts and an order
    settings.ORDER_ALERT_AFTER_ATTEMPTS = 3
    settings.SHOP_STAFF_EMAILS = ["ops@example.com"]
    order = OrderFactory(number="SH-ALERT01")
    caplog.set_level(logging.WARNING)

    # When the step fails attempts 2, 3 and 4
    for n in (2, 3, 4):
        attempt(order.number, n)

    # Then attempts 3 and 4 logged at ERROR with the order and the error, not attempt 2
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "order SH-ALERT01: step flaky_test_step still failing at attempt 3: "
        "ConnectionError: database went away",
        "order SH-ALERT01: step flaky_test_step still failing at attempt 4: "
        "ConnectionError: database went away",
    ]
    # And staff got one email, and the order one note, for this order and step
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ops@example.com"], "[shop] Order SH-ALERT01: step flaky_test_step keeps failing")
    ]
    notes = OrderEvent.objects.filter(order=order, kind="staff_action", actor="monitor")
    assert list(notes.values_list("message", flat=True)) == [
        "Step flaky_test_step keeps failing (attempt 3): ConnectionError: database went away"
    ]


def test_needs_attention_filter_lists_failing_stuck_and_failed_undo_orders(client, settings):
    # Given a failing-step order, a stuck one, one whose undo failed, and a healthy one
    settings.ORDER_ALERT_AFTER_ATTEMPTS = 1
    settings.ORDER_STUCK_MINUTES = 60
    failing, stuck, undo, healthy = (OrderFactory(number=f"SH-ATT{i}") for i in range(4))
    attempt(failing.number, 1)
    Order.objects.filter(pk=stuck.pk).update(
        status="reserved", updated_at=timezone.now() - timedelta(hours=2)
    )
    OrderEvent.objects.create(order=undo, kind="compensation_failed", message="void failed")
    client.force_login(StaffFactory())

    # When staff filter the order list by each reason
    def listed(reason: str) -> list[str]:
        page = client.get("/admin/orders/order/", {"attention": reason})
        return sorted(o.number for o in page.context["cl"].result_list)

    # Then each reason lists its order, "any" lists the three, and the healthy one never shows
    assert listed("failing") == ["SH-ATT0"]
    assert listed("stuck") == ["SH-ATT1"]
    assert listed("compensation") == ["SH-ATT2"]
    assert listed("any") == ["SH-ATT0", "SH-ATT1", "SH-ATT2"]
