"""Each forward activity run twice in a row has the effect of one (real activity context,
real database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from orders.models import (
    EmailNotification,
    GatewayTransaction,
    Payment,
    Reservation,
    Shipment,
)
from tests.workflows.activity_env import advance, event_kinds, run
from tests.workflows.helpers import (
    make_order,
    status_of,
    stock_of,
)
from workflows import activities as acts
from workflows.types import CarrierEvent, ShipmentInfo, ValidationResult

pytestmark = pytest.mark.django_db


def test_validate_twice(settings):
    # Given a received order and a 3-day delivery timeout
    settings.ORDER_DELIVERY_TIMEOUT_DAYS = 3
    order = make_order()

    # When validate runs twice
    first = run(acts.validate_order, order.number)
    second = run(acts.validate_order, order.number)

    # Then the order moved once and the settings came back with the result
    assert (
        first
        == second
        == ValidationResult(
            order_number=order.number,
            status="validated",
            delivery_timeout_seconds=3 * 86400.0,
            customer_id="",  # a guest order: no CustomerId for the search attributes
            order_total=44.88,  # and OrderTotal: 2 x 19.99 + 4.90
        )
    )
    assert event_kinds(order) == ["validated"]


def test_reserve_twice():
    # Given a validated order of 2 units with 10 in stock
    order = make_order(quantity=2, stock=10)
    advance(order, 1)

    # When reserve runs twice
    assert run(acts.reserve_inventory, order.number) == "reserved"
    assert run(acts.reserve_inventory, order.number) == "reserved"

    # Then stock went down once, one reservation, one event
    assert stock_of(order) == [8]
    assert list(Reservation.objects.filter(order=order).values_list("quantity", "state")) == [
        (2, "reserved")
    ]
    assert event_kinds(order) == ["validated", "stock_reserved"]


def test_charge_twice():
    # Given a reserved order
    order = make_order()
    advance(order, 2)

    # When charge runs twice
    first = run(acts.charge_payment, order.number)
    second = run(acts.charge_payment, order.number)

    # Then one charge at the provider and in the shop, same reference both times
    ledger = GatewayTransaction.objects.get()
    assert (ledger.kind, ledger.amount, ledger.status, ledger.attempts) == (
        "charge",
        Decimal("44.88"),
        "succeeded",
        1,
    )
    assert first == second == ledger.reference
    payment = Payment.objects.get(order=order)
    assert (payment.kind, payment.status, payment.idempotency_key) == (
        "charge",
        "succeeded",
        f"order-{order.number}-charge",
    )
    assert status_of(order) == "paid"
    assert event_kinds(order).count("payment_charged") == 1


def test_charge_after_a_lost_response_charges_once():
    # Given a reserved order whose first charge reached the provider but whose response was
    # lost (the provider's ledger has it, the shop has no payment row)
    order = make_order()
    advance(order, 2)
    from orders.payments.fake import FakeGateway

    reference = (
        FakeGateway()
        .charge(order.payment_token, order.total, order.currency, f"order-{order.number}-charge")
        .reference
    )

    # When the activity retries
    result = run(acts.charge_payment, order.number)

    # Then the provider returned the first result: still one charge
    assert result == reference
    assert GatewayTransaction.objects.get().attempts == 2
    assert Payment.objects.get(order=order).gateway_reference == reference


def test_create_shipment_twice():
    # Given a paid order
    order = make_order(quantity=1, stock=5)
    advance(order, 3)

    # When create_shipment runs twice
    first = run(acts.create_shipment, order.number)
    second = run(acts.create_shipment, order.number)

    # Then one shipment with a deterministic carrier and tracking number, stock committed
    shipment = Shipment.objects.get(order=order)
    assert first == second == ShipmentInfo(shipment.carrier, shipment.tracking_number)
    assert shipment.carrier in ("DHL", "UPS")
    assert shipment.tracking_number.startswith(f"{shipment.carrier}-{order.number}-")
    assert list(Reservation.objects.filter(order=order).values_list("state", flat=True)) == [
        "committed"
    ]
    assert stock_of(order) == [4]
    assert event_kinds(order).count("shipped") == 1


def test_confirmation_email_twice():
    # Given a shipped order
    order = make_order()
    advance(order, 4)

    # When the confirmation activity runs twice
    assert run(acts.send_confirmation_email, order.number) is True
    assert run(acts.send_confirmation_email, order.number) is False

    # Then one email went out, recorded once
    assert len(mail.outbox) == 1
    assert EmailNotification.objects.get(order=order).kind == "confirmation"
    assert event_kinds(order).count("email_sent") == 1


@pytest.mark.parametrize(
    ("status", "kind", "expected_status"),
    [
        ("in_transit", "in_transit", "in_transit"),
        ("delivered", "delivered", "delivered"),
        ("exception", "carrier_exception", "shipped"),
    ],
)
def test_carrier_event_twice(status, kind, expected_status):
    # Given a shipped order
    order = make_order()
    advance(order, 5)

    # When the same carrier event is applied twice
    event = CarrierEvent(status=status, event_id="evt-1")
    run(acts.apply_carrier_event, order.number, event)
    run(acts.apply_carrier_event, order.number, event)

    # Then it was recorded once
    assert status_of(order) == expected_status
    assert event_kinds(order).count(kind) == 1
    assert Shipment.objects.get(order=order).status == (
        "exception" if status == "exception" else status
    )


def test_overdue_twice(settings):
    # Given a shipped order and one staff address
    settings.SHOP_STAFF_EMAILS = ["ops@example.com"]
    order = make_order()
    advance(order, 5)
    mail.outbox.clear()

    # When the overdue activity runs twice
    assert run(acts.record_delivery_overdue, order.number, 14.0) is True
    assert run(acts.record_delivery_overdue, order.number, 14.0) is False

    # Then one event and one staff email
    assert event_kinds(order).count("delivery_overdue") == 1
    assert [m.to for m in mail.outbox] == [["ops@example.com"]]


def test_delivery_email_and_complete_twice():
    # Given a delivered order
    order = make_order()
    advance(order, 5)
    run(acts.apply_carrier_event, order.number, CarrierEvent(status="delivered"))
    mail.outbox.clear()

    # When the delivery email and completion run twice each
    for _ in range(2):
        run(acts.send_delivery_email, order.number)
        run(acts.complete_order, order.number)

    # Then one email, one completion
    assert [m.subject for m in mail.outbox] == [f"Your order {order.number} has been delivered"]
    assert status_of(order) == "completed"
    assert event_kinds(order).count("completed") == 1
