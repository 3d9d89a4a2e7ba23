"""The sweeper: start every received order that has no workflow yet (real dev server)."""

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders.models import Order, OrderEvent
from orders.services.checkout import start_pending_orders
from tests.factories import OrderFactory
from workflows import client

pytestmark = pytest.mark.django_db


def _numbers(prefix: str, count: int) -> list[str]:
    stamp = time.time_ns() % 10**5
    return [f"SH-{prefix}{stamp:05d}{i}" for i in range(count)]


def _pending_order(number: str, age_minutes: int, **kwargs) -> Order:
    order = OrderFactory(number=number, **kwargs)
    Order.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - timedelta(minutes=age_minutes)
    )
    return order


def test_with_temporal_down_nothing_is_started_and_nothing_raised():
    # Given two pending orders and Temporal down
    for number in _numbers("DN", 2):
        OrderFactory(number=number)
    # When the sweeper runs / Then it starts none and leaves them pending
    assert start_pending_orders() == 0
    assert Order.objects.filter(workflow_started_at__isnull=True).count() == 2


@pytest.mark.temporal
def test_starts_pending_orders_oldest_first_and_skips_the_rest(temporal):
    # Given three pending orders of different ages, one already started, one failed
    old, mid, new = _numbers("PA", 3)
    _pending_order(new, 1)
    _pending_order(old, 30)
    _pending_order(mid, 10)
    started = OrderFactory(workflow_started_at=timezone.now(), workflow_id="order-x")
    failed = OrderFactory(status="failed")
    # When the sweeper runs with a limit of 2
    assert start_pending_orders(limit=2) == 2
    # Then the two oldest were started and recorded, the newest still waits
    waiting = Order.objects.filter(workflow_started_at__isnull=True, status="received")
    assert list(waiting.values_list("number", flat=True)) == [new]
    for number in (old, mid):
        order = Order.objects.get(number=number)
        assert order.workflow_id == f"order-{number}"
        assert client.describe_order_workflow(number, with_progress=False).status == "RUNNING"
        assert list(order.events.values_list("kind", flat=True)) == ["workflow_started"]
    # And the already started and the failed orders were left alone
    assert not OrderEvent.objects.filter(order__in=[started, failed]).exists()
    # When it runs again without a limit / Then the last one is started
    assert start_pending_orders() == 1
    assert not Order.objects.filter(workflow_started_at__isnull=True, status="received").exists()


@pytest.mark.temporal
def test_an_order_whose_workflow_already_runs_is_marked_started(temporal):
    # Given an order whose workflow was started but never recorded (a crash after the start)
    (number,) = _numbers("AR", 1)
    order = OrderFactory(number=number)
    assert client.start_order_workflow(number) is True
    # When the sweeper runs
    assert start_pending_orders() == 1
    # Then the order is marked as started, the duplicate start was harmless
    order.refresh_from_db()
    assert order.workflow_started_at is not None
    assert order.events.get(kind="workflow_started").data == {
        "workflow_id": f"order-{number}",
        "started_now": False,
    }


@pytest.mark.temporal
def test_management_command_reports_counts(temporal):
    # Given one pending order
    (number,) = _numbers("MC", 1)
    OrderFactory(number=number)
    out = StringIO()
    # When the command runs / Then it reports what it did
    call_command("start_pending_orders", stdout=out)
    assert out.getvalue() == "Started 1 order workflow(s); 0 still waiting.\n"


def test_management_command_with_temporal_down_says_so():
    # Given one pending order and Temporal down
    OrderFactory(number=_numbers("MD", 1)[0])
    out, err = StringIO(), StringIO()
    # When the command runs / Then it says nothing was started and why
    call_command("start_pending_orders", "--limit", "5", stdout=out, stderr=err)
    assert out.getvalue() == "Started 0 order workflow(s); 1 still waiting.\n"
    assert err.getvalue() == "Temporal could not be reached: try again later.\n"
