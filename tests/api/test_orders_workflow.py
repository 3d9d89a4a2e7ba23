"""Order endpoints against a real Temporal dev server and the real order worker: live
progress in the detail, cancel through the workflow's update (a void: nothing was
captured), refusal after shipping."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from orders.models import EmailNotification, GatewayTransaction, Payment
from orders.services.checkout import start_workflow_for
from tests.workflows.helpers import TRANSIENT, make_order, status_of, stock_of, wait_for

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]


def _settled(query) -> bool:
    """``query()`` truthy; False while SQLite's shared test database is locked by a worker
    thread (the next poll reads again)."""
    try:
        return bool(query())
    except OperationalError:
        return False


def _owned(order, user):
    order.user = user
    order.email = user.email
    order.save(update_fields=["user", "email"])
    return order


def test_detail_has_live_progress_and_cancel_is_refused_after_shipping(
    order_worker, shopper_api, shopper
):
    # given a shopper's order that the real workflow has shipped and confirmed by email (it
    # now waits for the carrier, so nothing writes while the test reads)
    order = _owned(make_order(quantity=1, stock=5), shopper)
    assert start_workflow_for(order) is True
    wait_for(
        lambda: _settled(
            EmailNotification.objects.filter(
                order=order, kind="confirmation", sent_at__isnull=False
            ).exists
        ),
        timeout=20,
    )

    # when the shopper reads it and then tries to cancel
    detail = shopper_api.get(f"/api/orders/{order.number}/").json()
    cancel = shopper_api.post(f"/api/orders/{order.number}/cancel/", {}, format="json")

    # then the detail carries the workflow's progress, and the cancel is refused with the reason
    progress = detail["progress"]
    assert progress is not None
    assert progress["cancel_requested"] is False
    assert {"step": "create_shipment", "status": "completed"} in progress["steps"]
    assert cancel.status_code == 409
    assert cancel.json() == {
        "code": "cancel_refused",
        "detail": f"Order {order.number} can no longer be cancelled: it is shipped.",
    }
    assert status_of(order) == "shipped"
    assert not Payment.objects.filter(order=order, kind="refund").exists()


def test_cancel_through_the_workflow_voids(order_worker, shopper_api, shopper, settings):
    # given an order whose card authorization is being retried (a card with transient
    # failures) and whose two items are reserved
    settings.ORDER_RETRY_INITIAL_INTERVAL_SECONDS = 1.5
    settings.ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS = 3.0
    order = _owned(make_order(token=TRANSIENT, quantity=2, stock=5), shopper)
    assert start_workflow_for(order) is True
    wait_for(
        lambda: _settled(
            GatewayTransaction.objects.filter(
                idempotency_key=f"order-{order.number}-authorize", attempts__gte=1
            ).exists
        ),
        timeout=20,
    )
    assert stock_of(order) == [3]

    # when the shopper cancels through the API
    response = shopper_api.post(
        f"/api/orders/{order.number}/cancel/", {"reason": "Too slow"}, format="json"
    )

    # then the workflow voided the authorization (nothing was ever captured, so nothing is
    # refunded) and released the stock before the answer came back
    assert response.status_code == 200
    data = response.json()
    assert data["cancelled"] is True
    assert data["detail"] == "Order cancelled; nothing was charged."
    assert data["order"]["status"] == "cancelled"
    assert status_of(order) == "cancelled"
    void = Payment.objects.get(order=order, kind="void")
    assert (void.status, void.idempotency_key) == ("succeeded", f"order-{order.number}-void")
    assert not Payment.objects.filter(order=order, kind__in=["refund", "capture"]).exists()
    assert stock_of(order) == [5]
