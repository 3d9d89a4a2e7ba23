"""The cancel button on an order's page."""

from __future__ import annotations

import pytest

from orders.links import signed_order_path
from orders.models import OrderEvent
from tests.factories import (
    OrderFactory,
)

pytestmark = pytest.mark.django_db


def test_cancel_before_any_workflow_cancels_in_the_database(
    client, shopper, mailoutbox, django_capture_on_commit_callbacks
):
    # given an order Temporal never heard of (workflow not started yet)
    order = OrderFactory(number="C0000001", user=shopper, email=shopper.email)
    client.force_login(shopper)

    # when the owner presses cancel
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/orders/C0000001/cancel/", follow=True)

    # then it is cancelled with an event saying who did it, and the outcome is shown
    order.refresh_from_db()
    assert order.status == "cancelled"
    event = OrderEvent.objects.get(order=order, kind="cancelled")
    assert (event.from_status, event.to_status, event.actor) == (
        "received",
        "cancelled",
        "ada@example.com",
    )
    assert response.redirect_chain == [("/orders/C0000001/", 302)]
    assert "Order C0000001 is cancelled. Nothing was charged." in response.content.decode()
    assert order.failure_reason == "Cancelled at your request."
    assert [m.to for m in mailoutbox] == [["ada@example.com"]]
    assert "C0000001" in mailoutbox[0].subject


def test_cancel_with_workflow_and_temporal_down_says_try_again(client, shopper):
    # given a running order while Temporal is unreachable (the default in tests)
    from django.utils import timezone

    order = OrderFactory(
        number="C0000002", user=shopper, status="paid", workflow_started_at=timezone.now()
    )
    client.force_login(shopper)

    # when the owner presses cancel
    response = client.post("/orders/C0000002/cancel/", follow=True)

    # then nothing changed and she is asked to retry
    order.refresh_from_db()
    assert order.status == "paid"
    assert not OrderEvent.objects.filter(order=order).exists()
    assert (
        "We could not reach the order system; please try again in a minute."
        in response.content.decode()
    )


def test_a_guest_link_shows_the_order_but_does_not_cancel_it(client):
    # given a browser that opened the signed link from a guest's email (it may be forwarded)
    order = OrderFactory(number="C0000003")
    client.get(signed_order_path("C0000003"))

    # when it posts cancel
    response = client.post("/orders/C0000003/cancel/", follow=True)

    # then the order stays, and the page says who can cancel
    order.refresh_from_db()
    assert order.status == "received"
    assert "To cancel, use the browser you ordered with" in response.content.decode()
    assert not OrderEvent.objects.filter(order=order, kind="cancelled").exists()


def test_cancel_works_from_the_browser_that_placed_the_order(client):
    # given the guest browser that placed the order
    order = OrderFactory(number="C0000004")
    session = client.session
    session["orders.visible"] = ["C0000004"]
    session.save()

    # when it presses cancel
    client.post("/orders/C0000004/cancel/")

    # then the order is cancelled by "customer"
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert OrderEvent.objects.get(order=order, kind="cancelled").actor == "customer"


def test_cancel_when_too_late_is_refused_with_the_reason(client, shopper, shipped_order):
    # given a shipped order
    client.force_login(shopper)

    # when the owner posts cancel anyway (an old page)
    response = client.post("/orders/S0000042/cancel/", follow=True)

    # then it is refused with the reason and nothing changes
    shipped_order.refresh_from_db()
    assert shipped_order.status == "shipped"
    assert "Order S0000042 can no longer be cancelled: it is shipped." in response.content.decode()


def test_cancel_needs_post(client, shopper):
    # given an order of the shopper
    OrderFactory(number="C0000004", user=shopper)
    client.force_login(shopper)

    # when cancel is requested with GET
    response = client.get("/orders/C0000004/cancel/")

    # then it is refused and nothing changes
    assert response.status_code == 405
