"""Carrier webhook and ``simulate_delivery`` through a real Temporal dev server and the real
order worker: signed events move the order to delivered and completed; replays are harmless."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from io import StringIO

import pytest
from django.core.management import call_command

from orders.models import OrderEvent, Shipment
from orders.services.checkout import start_workflow_for
from tests.workflows.helpers import make_order, status_of, wait_for

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]

SECRET = "test-carrier-secret"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.CARRIER_WEBHOOK_SECRET = SECRET


def post_event(client, **payload):
    body = json.dumps(payload).encode()
    sent_at = str(int(time.time()))
    sig = hmac.new(SECRET.encode(), f"{sent_at}.".encode() + body, hashlib.sha256).hexdigest()
    return client.post(
        "/webhooks/carrier/",
        data=body,
        content_type="application/json",
        headers={"X-Carrier-Signature": sig, "X-Carrier-Timestamp": sent_at},
    )


def shipped_order():
    order = make_order(quantity=1, stock=5)
    assert start_workflow_for(order) is True
    wait_for(lambda: status_of(order) == "shipped", timeout=20)
    return order, Shipment.objects.get(order=order).tracking_number


def carrier_events(order) -> list[tuple[str, str, str]]:
    return list(
        OrderEvent.objects.filter(order=order, kind__in=["in_transit", "delivered"])
        .order_by("pk")
        .values_list("kind", "actor", "message")
    )


def test_signed_events_move_the_order_and_replays_are_harmless(order_worker, client):
    # given an order the workflow has shipped
    order, tracking = shipped_order()

    # when the carrier reports in transit, then delivered, then repeats both
    transit = post_event(client, tracking_number=tracking, status="in_transit", event_id="c-1")
    wait_for(lambda: status_of(order) == "in_transit", timeout=10)
    delivered = post_event(
        client, tracking_number=tracking, status="delivered", event_id="c-2", note="Left at door."
    )
    wait_for(lambda: status_of(order) == "completed", timeout=15)
    replays = [
        post_event(client, tracking_number=tracking, status="in_transit", event_id="c-1"),
        post_event(client, tracking_number=tracking, status="delivered", event_id="c-2"),
        post_event(client, tracking_number=tracking, status="delivered", event_id="c-3"),
    ]

    # then each was accepted, the order completed once, with one event per real change
    assert (transit.status_code, delivered.status_code) == (202, 202)
    assert transit.json()["order"] == order.number
    assert [r.status_code for r in replays] == [202, 202, 202]
    assert carrier_events(order) == [
        ("in_transit", "carrier", "Parcel in transit."),
        ("delivered", "carrier", "Left at door."),
    ]
    assert Shipment.objects.get(order=order).status == "delivered"
    assert OrderEvent.objects.filter(order=order, kind="completed").count() == 1


def test_replayed_event_while_running_is_applied_once(order_worker, client):
    # given a shipped order
    order, tracking = shipped_order()

    # when the carrier sends the same in-transit event three times
    answers = [
        post_event(client, tracking_number=tracking, status="in_transit", event_id="same")
        for _ in range(3)
    ]
    wait_for(lambda: status_of(order) == "in_transit", timeout=10)

    # then all are accepted and the order moved once
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert carrier_events(order) == [("in_transit", "carrier", "Parcel in transit.")]


def test_an_event_without_id_is_known_by_its_body(order_worker, client):
    # given a shipped order
    order, tracking = shipped_order()
    body = json.dumps({"tracking_number": tracking, "status": "in_transit"}).encode()

    # when the carrier sends the same event without an event_id three times
    answers = [post_event(client, tracking_number=tracking, status="in_transit") for _ in range(3)]
    wait_for(lambda: status_of(order) == "in_transit", timeout=10)

    # then all are accepted, the order moved once, and the event is keyed by its body's hash
    assert [a.status_code for a in answers] == [202, 202, 202]
    event = OrderEvent.objects.get(order=order, kind="in_transit")
    assert event.data["event_id"] == "body-sha256:" + hashlib.sha256(body).hexdigest()[:40]


def test_simulate_delivery_finishes_an_order_end_to_end(order_worker, mailoutbox):
    # given an order the workflow has shipped
    order, tracking = shipped_order()
    out = StringIO()

    # when the demo command simulates the delivery
    call_command("simulate_delivery", order.number, stdout=out)
    wait_for(lambda: status_of(order) == "completed", timeout=15)

    # then the signed event went through the webhook and the workflow completed the order
    assert out.getvalue().strip() == (
        f"Sent 'delivered' for order {order.number} (tracking {tracking}): "
        f"Event 'delivered' forwarded to order {order.number}."
    )
    assert carrier_events(order) == [("delivered", "carrier", "Simulated by simulate_delivery.")]
    subject = f"Your order {order.number} has been delivered"
    wait_for(lambda: subject in [m.subject for m in mailoutbox], timeout=5)
