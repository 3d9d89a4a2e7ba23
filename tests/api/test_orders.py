"""Order endpoints without a workflow server: who sees what, detail shape, cancel outcomes."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import Order, OrderEvent
from orders.selectors import SESSION_ORDERS
from tests.factories import (
    OrderEventFactory,
    OrderFactory,
    OrderLineFactory,
    ShipmentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

STAFF_ONLY = {"payment_token", "workflow_id", "checkout_token", "failure_reason", "user", "id"}


def test_list_shows_only_the_callers_orders(shopper_api, shopper, django_assert_max_num_queries):
    # given three orders of the shopper (two lines each) and one of someone else
    mine = [OrderFactory(number=f"M000000{i}", user=shopper) for i in range(3)]
    for order in mine:
        OrderLineFactory(order=order, quantity=2)
        OrderLineFactory(order=order, quantity=1)
    OrderFactory(number="X0000001", user=UserFactory())

    # when the shopper lists their orders
    # then token lookup, count and page take 3 queries whatever the number of orders
    with django_assert_max_num_queries(3):
        response = shopper_api.get("/api/orders/")

    # then only theirs are listed, newest first, with units counted
    data = response.json()
    assert data["count"] == 3
    assert [o["number"] for o in data["results"]] == ["M0000002", "M0000001", "M0000000"]
    assert data["results"][0] == {
        "number": "M0000002",
        "status": "received",
        "status_display": "Received",
        "created_at": data["results"][0]["created_at"],
        "total": "44.88",
        "currency": "EUR",
        "item_count": 3,
    }


def test_detail_with_lines_events_shipment_and_no_staff_fields(shopper_api, shopper):
    # given a shipped order of the shopper with a line, events and a shipment
    order = OrderFactory(number="D0000001", user=shopper, status="shipped", failure_reason="x")
    OrderLineFactory(order=order, sku="POT", name="Teapot", quantity=2)
    OrderEventFactory(order=order, kind="placed", message="Order placed.", actor="ops@example.com")
    ShipmentFactory(order=order, carrier="Parcelforce", tracking_number="TRK1")

    # when the shopper opens it (Temporal is down in tests)
    response = shopper_api.get("/api/orders/D0000001/")

    # then everything shoppers may see is there, and nothing staff-only
    data = response.json()
    assert response.status_code == 200
    assert data["lines"][0]["sku"] == "POT"
    assert data["events"] == [
        {
            "kind": "placed",
            "from_status": "",
            "to_status": "received",
            "message": "Order placed.",
            "created_at": data["events"][0]["created_at"],
        }
    ]
    assert data["shipment"] == {
        "carrier": "Parcelforce",
        "tracking_number": "TRK1",
        "status": "created",
    }
    assert data["can_cancel"] is False
    assert data["progress"] is None
    assert STAFF_ONLY.isdisjoint(data)
    assert "actor" not in data["events"][0]


def test_detail_query_count(shopper_api, shopper, django_assert_max_num_queries):
    # given an order with 5 lines and 5 events (no workflow yet)
    order = OrderFactory(number="Q0000001", user=shopper)
    for _ in range(5):
        OrderLineFactory(order=order)
        OrderEventFactory(order=order)

    # when the shopper opens it
    # then token, order with shipment, lines and events take 4 queries
    with django_assert_max_num_queries(4):
        response = shopper_api.get("/api/orders/Q0000001/")
    assert len(response.json()["lines"]) == 5


def test_someone_elses_order_is_a_404(shopper_api):
    # given another user's order
    OrderFactory(number="O0000001", user=UserFactory())

    # when the shopper asks for it or tries to cancel it
    detail = shopper_api.get("/api/orders/O0000001/")
    cancel = shopper_api.post("/api/orders/O0000001/cancel/", {}, format="json")

    # then it does not exist for them, and nothing changed
    assert (detail.status_code, cancel.status_code) == (404, 404)
    assert detail.json() == {"code": "not_found", "detail": "Not found."}
    assert Order.objects.get().status == "received"


def test_anonymous_caller_sees_no_orders(api):
    # given a guest order and a user's order
    OrderFactory(number="G0000001")
    OrderFactory(number="U0000001", user=UserFactory())

    # when an anonymous client without a session asks
    listing = api.get("/api/orders/")
    detail = api.get("/api/orders/G0000001/")

    # then it sees nothing
    assert listing.json()["count"] == 0
    assert detail.status_code == 404


def test_guest_session_sees_only_the_orders_it_placed(api):
    # given a guest session that placed one order (as the checkout remembers it)
    OrderFactory(number="G0000001")
    OrderFactory(number="G0000002")
    session = api.session
    session["placed_orders"] = ["G0000001"]
    session.save()

    # when it lists and opens orders
    listing = api.get("/api/orders/")
    other = api.get("/api/orders/G0000002/")

    # then only its own is visible
    assert [o["number"] for o in listing.json()["results"]] == ["G0000001"]
    assert other.status_code == 404


def test_cancel_before_any_workflow_cancels_in_the_database(shopper_api, shopper):
    # given a received order whose workflow was never started (Temporal was down)
    OrderFactory(number="C0000001", user=shopper)

    # when the shopper cancels it through the API
    response = shopper_api.post(
        "/api/orders/C0000001/cancel/", {"reason": "Changed my mind"}, format="json"
    )

    # then it is cancelled, with an event saying who did it
    assert response.status_code == 200
    data = response.json()
    assert (data["cancelled"], data["detail"]) == (
        True,
        "Order C0000001 is cancelled. Nothing was charged.",
    )
    assert (data["order"]["status"], data["order"]["can_cancel"]) == ("cancelled", False)
    event = OrderEvent.objects.get(order__number="C0000001", kind="cancelled")
    assert (event.actor, event.to_status) == ("ada@example.com", "cancelled")


def test_cancel_after_shipping_is_a_409_with_the_reason(shopper_api, shopper):
    # given a shipped order
    OrderFactory(number="S0000001", user=shopper, status="shipped")

    # when the shopper tries to cancel it
    response = shopper_api.post("/api/orders/S0000001/cancel/", {}, format="json")

    # then it is refused with the reason and nothing changed
    assert response.status_code == 409
    assert response.json() == {
        "code": "cancel_refused",
        "detail": "Order S0000001 can no longer be cancelled: it is shipped.",
    }
    assert Order.objects.get().status == "shipped"


def test_cancel_with_temporal_down_is_a_503(shopper_api, shopper):
    # given an order whose workflow runs, while Temporal is unreachable
    OrderFactory(number="W0000001", user=shopper, workflow_started_at=timezone.now())

    # when the shopper cancels
    response = shopper_api.post("/api/orders/W0000001/cancel/", {}, format="json")

    # then they are told to retry, and the order is unchanged
    assert response.status_code == 503
    assert response.json()["code"] == "temporarily_unavailable"
    assert Order.objects.get().status == "received"


def test_guest_cancels_an_order_it_placed():
    # given a guest session that placed an order
    guest = APIClient()
    OrderFactory(number="G0000009")
    session = guest.session
    session[SESSION_ORDERS] = ["G0000009"]
    session.save()
    guest.get("/api/cart/")
    token = guest.cookies["csrftoken"].value

    # when it cancels (with the CSRF token its session needs)
    response = guest.post("/api/orders/G0000009/cancel/", {}, format="json", HTTP_X_CSRFTOKEN=token)

    # then the order is cancelled by "customer"
    assert response.status_code == 200
    assert OrderEvent.objects.get(order__number="G0000009", kind="cancelled").actor == "customer"


def test_failed_order_says_why_as_its_page_does(shopper_api, shopper):
    # given a failed order and a cancelled one, both with a recorded reason
    OrderFactory(
        number="F0000001",
        user=shopper,
        status="failed",
        failure_reason="The payment was declined by the card issuer.",
    )
    OrderFactory(number="F0000002", user=shopper, status="cancelled", failure_reason="x")

    # when the shopper reads them through the API
    failed = shopper_api.get("/api/orders/F0000001/").json()
    cancelled = shopper_api.get("/api/orders/F0000002/").json()

    # then the failed one carries the page's message, the other none
    assert failed["failure_message"] == "The payment was declined by the card issuer."
    assert cancelled["failure_message"] is None
