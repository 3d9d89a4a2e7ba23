"""orders.services.fulfilment: validation, shipment details, endings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.errors import InvalidOrder
from orders.models import Order
from orders.services import billing, fulfilment
from tests.factories import OrderFactory
from tests.workflows.helpers import make_order

pytestmark = pytest.mark.django_db


def test_validate_moves_a_good_order():
    # Given a received order / When validated / Then it is validated with one event
    order = fulfilment.validate_order(make_order().number)
    assert order.status == "validated"
    assert list(order.events.values_list("kind", "from_status", "to_status")) == [
        ("validated", "received", "validated")
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"total": Decimal("1.00")}, "The order's total does not add up."),
        (
            {"subtotal": Decimal("10.00"), "total": Decimal("14.90")},
            "The order's subtotal does not match its items.",
        ),
        ({"payment_token": ""}, "The order has no payment method."),
    ],
)
def test_validate_refuses_inconsistent_orders(change, message):
    # Given an order with a tampered field
    order = make_order(quantity=2, price="19.99")
    Order.objects.filter(pk=order.pk).update(**change)

    # When validated / Then it is invalid with a clear message and did not move
    with pytest.raises(InvalidOrder) as caught:
        fulfilment.validate_order(order.number)
    assert str(caught.value) == message
    assert Order.objects.get(pk=order.pk).status == "received"


def test_validate_refuses_an_empty_order_and_a_withdrawn_product():
    # Given an order without lines, and one whose product was withdrawn
    empty = OrderFactory()
    withdrawn = make_order()
    line = withdrawn.lines.get()
    line.product.is_active = False
    line.product.save()

    # When validated / Then each is invalid with its reason
    with pytest.raises(InvalidOrder) as no_items:
        fulfilment.validate_order(empty.number)
    assert str(no_items.value) == "The order has no items."
    with pytest.raises(InvalidOrder) as caught:
        fulfilment.validate_order(withdrawn.number)
    assert str(caught.value) == f"{line.name} is no longer available."


def test_validate_leaves_a_final_order_alone():
    # Given a cancelled order / When validated / Then it stays cancelled
    order = make_order()
    fulfilment.mark_cancelled(order.number, "staff")
    assert fulfilment.validate_order(order.number).status == "cancelled"


def test_carrier_and_tracking_number_are_deterministic_and_distinct():
    # Given two order numbers / When carrier and tracking are derived twice
    carriers = {fulfilment.carrier_for("A100"), fulfilment.carrier_for("A100")}
    one = fulfilment.tracking_number_for("A100", "DHL")
    other = fulfilment.tracking_number_for("A101", "DHL")

    # Then the same order always gets the same, different orders differ
    assert len(carriers) == 1 and carriers <= {"DHL", "UPS"}
    assert one == fulfilment.tracking_number_for("A100", "DHL")
    assert one != other


def test_mark_failed_does_not_touch_a_final_order():
    # Given a cancelled order / When it is marked failed / Then it stays cancelled
    order = make_order()
    fulfilment.mark_cancelled(order.number, "customer", "Changed my mind")
    fulfilment.mark_failed(order.number, "Card declined.", "PaymentDeclined")
    order.refresh_from_db()
    assert (order.status, order.failure_reason) == ("cancelled", "Changed my mind")
    assert list(order.events.values_list("kind", flat=True)) == ["cancelled"]


def test_delivered_straight_from_shipped():
    # Given a shipped order
    order = make_order()
    for step in (
        fulfilment.validate_order,
        fulfilment.reserve_inventory,
        billing.charge_payment,
        fulfilment.create_shipment,
    ):
        step(order.number)

    # When the carrier says delivered (without in transit first)
    status = fulfilment.apply_carrier_event(order.number, "delivered", event_id="d1", actor="DHL")

    # Then the order is delivered, the event says who
    assert status == "delivered"
    event = order.events.get(kind="delivered")
    assert (event.actor, event.data) == ("DHL", {"event_id": "d1", "carrier_status": "delivered"})
