"""What staff do stays with staff: a shopper's order page, status fragment and API never show
staff email addresses or staff notes (the admin does)."""

from __future__ import annotations

import pytest
from django.core import mail
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders.events import record
from orders.models import OrderEvent
from orders.notifications import send_order_email
from orders.services.tracking import STAFF_ACTION
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

STAFF = ["ops@example.com", "boss@example.com"]


@pytest.fixture
def shopper():
    return UserFactory(email="ada@example.com")


def test_overdue_staff_alert_is_on_the_timeline_without_staff_addresses(client, shopper, settings):
    # given an order whose delivery is overdue, and two staff addresses
    settings.SHOP_STAFF_EMAILS = STAFF
    order = OrderFactory(number="P0000301", user=shopper, email=shopper.email, status="shipped")

    # when staff are alerted and the shopper opens the order page
    send_order_email(order, "overdue_staff", {"overdue_days": "14"})
    client.force_login(shopper)
    html = client.get("/orders/P0000301/").content.decode()

    # then the alert went to staff and is recorded for them; the shopper's timeline leaves
    # emails out and shows none of their addresses
    assert mail.outbox[0].to == STAFF
    event = OrderEvent.objects.get(order=order, kind="email_sent")
    assert event.message == "Delivery overdue (staff) email sent to staff."
    assert 'data-kind="email_sent"' not in html
    assert "ops@example.com" not in html and "boss@example.com" not in html


def test_api_order_detail_hides_staff_notes(shopper):
    # given an order with a customer-facing event and a staff note
    order = OrderFactory(number="P0000302", user=shopper, email=shopper.email, status="paid")
    record(order, "placed", "Order placed.")
    record(order, STAFF_ACTION, "Staff cancel refused: shipped.", actor="ops@example.com")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=shopper).key}")

    # when the shopper reads it through the API
    response = api.get("/api/orders/P0000302/")

    # then the staff note is not among its events (as on the order page)
    assert response.status_code == 200
    assert [e["message"] for e in response.json()["events"]] == ["Order placed."]


def test_staff_need_the_order_permissions_to_read_or_cancel_customers_orders(shopper):
    # given a customer's paid order, a catalog editor (staff, no order permissions) and a
    # support agent who may only view orders
    from django.contrib.auth.models import Permission
    from django.test import Client

    order = OrderFactory(number="P0000303", user=shopper, email=shopper.email, status="paid")
    editor = UserFactory(email="editor@example.com", is_staff=True)
    agent = UserFactory(email="agent@example.com", is_staff=True)
    agent.user_permissions.add(Permission.objects.get(codename="view_order"))
    as_editor, as_agent = Client(), Client()
    as_editor.force_login(editor)
    as_agent.force_login(agent)

    # when each opens the order page and tries to cancel it
    agent_page = as_agent.get("/orders/P0000303/")
    responses = {
        "editor page": as_editor.get("/orders/P0000303/").status_code,
        "editor cancel": as_editor.post("/orders/P0000303/cancel/").status_code,
        "agent page": agent_page.status_code,
        "agent cancel": as_agent.post("/orders/P0000303/cancel/").status_code,
    }

    # then the editor is told nothing, the agent may look but not cancel, and nothing changed
    assert responses == {
        "editor page": 404,
        "editor cancel": 404,
        "agent page": 200,
        "agent cancel": 403,
    }
    assert 'data-testid="cancel-button"' not in agent_page.content.decode()
    order.refresh_from_db()
    assert order.status == "paid"
    assert list(order.events.values_list("kind", flat=True)) == []
