"""The order page against a real Temporal dev server and the real order worker: the live
fragment follows the workflow, and cancel goes through the workflow's ``cancel`` update."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections

from orders.models import GatewayTransaction, OrderEvent, Payment, Reservation
from orders.services.checkout import start_workflow_for
from orders.services.tracking import Outcome, cancel_order
from tests.factories import UserFactory
from tests.workflows.helpers import TRANSIENT, make_order, status_of, stock_of, wait_for
from workflows import client as temporal_client
from workflows.workflow import SHIPPED_REFUSAL

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shopper():
    return UserFactory(email="ada@example.com")


def _owned(order, user):
    order.user = user
    order.email = user.email
    order.save(update_fields=["user", "email"])
    return order


def _authorization_retrying(order) -> bool:
    """The card authorization failed transiently at least once and waits for its retry."""
    return GatewayTransaction.objects.filter(
        idempotency_key=f"order-{order.number}-authorize", status="pending", attempts__gte=1
    ).exists()


def _voided_only(order) -> None:
    """The authorization was released once (key ``order-<n>-void``); nothing was captured or
    refunded."""
    void = Payment.objects.get(order=order, kind="void")
    assert (void.status, void.amount, void.idempotency_key) == (
        "succeeded",
        order.total,
        f"order-{order.number}-void",
    )
    assert list(
        Payment.objects.filter(order=order).order_by("pk").values_list("kind", "status")
    ) == [
        ("authorization", "succeeded"),
        ("void", "succeeded"),
    ]
    assert GatewayTransaction.objects.filter(kind__in=["capture", "refund"]).count() == 0


def test_fragment_follows_the_workflow_and_stops_when_final(order_worker, client, shopper):
    # given a shopper's order started on the real workflow
    order = _owned(make_order(quantity=1, stock=5), shopper)
    client.force_login(shopper)
    assert start_workflow_for(order) is True

    # when the page's script polls the fragment until the order has shipped
    html = wait_for(
        lambda: (
            (body := client.get(f"/orders/{order.number}/status/").content.decode())
            and 'data-status="shipped"' in body
            and body
        ),
        timeout=20,
    )

    # then the fragment shows the workflow's steps in the timeline, no cancel, keeps polling
    assert 'data-final="false"' in html
    for words in ("Order checked.", "Your items are set aside for you."):
        assert words in html
    assert 'data-kind="workflow_started"' not in html  # nothing a shopper needs to read
    assert "cancel-button" not in html


def test_cancel_from_the_page_voids_and_releases_stock(order_worker, client, shopper, settings):
    # given an order whose card authorization is being retried (a card with transient
    # failures), its two items reserved
    settings.ORDER_RETRY_INITIAL_INTERVAL_SECONDS = 1.5
    settings.ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS = 3.0
    order = _owned(make_order(token=TRANSIENT, quantity=2, stock=5), shopper)
    client.force_login(shopper)
    assert start_workflow_for(order) is True
    wait_for(lambda: _authorization_retrying(order), timeout=20)
    assert stock_of(order) == [3]
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "cancel-button" in page

    # when the shopper presses cancel
    response = client.post(f"/orders/{order.number}/cancel/", follow=True)

    # then the workflow let the authorization finish, voided it (one void, no refund: nothing
    # was captured before shipment), released the stock, and the outcome is shown
    html = response.content.decode()
    assert "Order cancelled; nothing was charged." in html
    assert status_of(order) == "cancelled"
    _voided_only(order)
    assert list(Reservation.objects.filter(order=order).values_list("state", flat=True)) == [
        "released"
    ]
    assert stock_of(order) == [5]
    cancelled = OrderEvent.objects.get(order=order, kind="cancelled")
    assert (cancelled.actor, cancelled.from_status) == ("ada@example.com", "authorized")
    assert OrderEvent.objects.filter(order=order, kind="payment_voided").count() == 1
    assert 'data-final="true"' in html and "cancel-button" not in html


def test_cancel_refused_after_shipping_shows_the_reason(order_worker, client, shopper):
    # given an order the workflow has shipped, and a page opened before that (button shown)
    order = _owned(make_order(quantity=1, stock=5), shopper)
    client.force_login(shopper)
    assert start_workflow_for(order) is True
    wait_for(lambda: status_of(order) == "shipped", timeout=20)

    # when the shopper presses cancel on the stale page
    response = client.post(f"/orders/{order.number}/cancel/", follow=True)

    # then it is refused with the reason, nothing was undone, and the workflow agrees
    html = response.content.decode()
    assert f"Order {order.number} can no longer be cancelled: it is shipped." in html
    assert status_of(order) == "shipped"
    assert not Payment.objects.filter(order=order, kind="refund").exists()
    assert temporal_client.cancel_order(order.number, actor="customer").message == (SHIPPED_REFUSAL)


def test_second_cancel_while_one_is_running_is_refused_by_the_workflow(
    order_worker, client, shopper, settings
):
    # given an order whose card authorization is retrying, and staff already cancelling it
    settings.ORDER_RETRY_INITIAL_INTERVAL_SECONDS = 1.5
    settings.ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS = 3.0
    order = _owned(make_order(token=TRANSIENT, quantity=1, stock=5), shopper)
    client.force_login(shopper)
    assert start_workflow_for(order) is True
    wait_for(lambda: _authorization_retrying(order), timeout=20)
    staff_outcome: list[Outcome] = []

    def staff_cancels() -> None:
        try:
            staff_outcome.append(cancel_order(order, "ops@example.com", "Fraud check", staff=True))
        finally:
            close_old_connections()

    staff = threading.Thread(target=staff_cancels)
    staff.start()
    wait_for(lambda: temporal_client.query_progress(order.number).cancel_requested, timeout=10)

    # when the shopper presses cancel too
    response = client.post(f"/orders/{order.number}/cancel/", follow=True)
    staff.join(timeout=30)

    # then the workflow's validator refused the second; the first cancelled and voided the
    # authorization once (nothing charged, nothing refunded)
    assert "A cancellation is already in progress." in response.content.decode()
    assert staff_outcome[0] == Outcome(True, "Order cancelled; nothing was charged.")
    assert status_of(order) == "cancelled"
    _voided_only(order)
    events = list(
        OrderEvent.objects.filter(order=order, kind__in=["cancelled", "staff_action"])
        .order_by("pk")
        .values_list("kind", "actor", "message")
    )
    assert events == [
        ("cancelled", "ops@example.com", "Fraud check"),
        ("staff_action", "ops@example.com", f"Staff cancelled: {staff_outcome[0].message}"),
    ]
