"""Each activity run twice in a row has the effect of one, and business failures come out as
non-retryable ``ApplicationError``s with a type. Activities run here through
``temporalio.testing.ActivityEnvironment`` (real activity context, real database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from orders.models import (
    EmailNotification,
    GatewayTransaction,
    Order,
    OrderEvent,
    Payment,
    Reservation,
    Shipment,
)
from tests.workflows.helpers import (
    DECLINED,
    INSUFFICIENT,
    TRANSIENT,
    make_order,
    status_of,
    stock_of,
)
from workflows import activities as acts
from workflows.types import CarrierEvent, ShipmentInfo, ValidationResult

pytestmark = pytest.mark.django_db

FORWARD = [
    acts.validate_order,
    acts.reserve_inventory,
    acts.charge_payment,
    acts.create_shipment,
    acts.send_confirmation_email,
]


def run(fn, *args):
    return ActivityEnvironment().run(fn, *args)


def advance(order: Order, steps: int) -> None:
    """Run the first ``steps`` forward activities once."""
    for fn in FORWARD[:steps]:
        run(fn, order.number)


def event_kinds(order: Order) -> list[str]:
    return list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))


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
            order_number=order.number, status="validated", delivery_timeout_seconds=3 * 86400.0
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


def test_refund_and_release_twice():
    # Given a paid order (2 units reserved of 10)
    order = make_order(quantity=2, stock=10)
    advance(order, 3)

    # When the compensations run twice each
    for _ in range(2):
        run(acts.refund_payment, order.number)
        run(acts.release_inventory, order.number)

    # Then one refund at the provider and in the shop, stock back once
    assert list(GatewayTransaction.objects.values_list("kind", "status", "attempts")) == [
        ("charge", "succeeded", 1),
        ("refund", "succeeded", 1),
    ]
    assert list(Payment.objects.filter(order=order).values_list("kind", "amount")) == [
        ("charge", Decimal("44.88")),
        ("refund", Decimal("44.88")),
    ]
    assert stock_of(order) == [10]
    assert event_kinds(order).count("payment_refunded") == 1
    assert event_kinds(order).count("stock_released") == 1


def test_compensations_with_nothing_to_undo():
    # Given a validated order (nothing reserved or charged)
    order = make_order(quantity=2, stock=10)
    advance(order, 1)

    # When the compensations run
    refund = run(acts.refund_payment, order.number)
    released = run(acts.release_inventory, order.number)

    # Then nothing happened
    assert (refund, released) == ("", 0)
    assert GatewayTransaction.objects.count() == 0
    assert stock_of(order) == [10]


def test_mark_failed_and_failure_email_twice():
    # Given a reserved order
    order = make_order()
    advance(order, 2)

    # When it is marked failed and emailed twice
    for _ in range(2):
        assert run(acts.mark_order_failed, order.number, "Card declined.", "PaymentDeclined") == (
            "failed"
        )
        run(acts.send_failure_email, order.number)

    # Then one move, one email
    order.refresh_from_db()
    assert (order.status, order.failure_reason) == ("failed", "Card declined.")
    assert event_kinds(order).count("failed") == 1
    assert len(mail.outbox) == 1


def test_mark_cancelled_and_email_twice():
    # Given a paid, then refunded order
    order = make_order()
    advance(order, 3)
    run(acts.refund_payment, order.number)

    # When it is marked cancelled and emailed twice
    for _ in range(2):
        run(acts.mark_order_cancelled, order.number, "customer", "")
        run(acts.send_cancellation_email, order.number)

    # Then one move by the customer, one email saying it was refunded
    order.refresh_from_db()
    assert (order.status, order.failure_reason) == ("cancelled", "Cancelled by customer.")
    assert OrderEvent.objects.get(order=order, kind="cancelled").actor == "customer"
    assert len(mail.outbox) == 1
    assert "Your payment of 44.88 EUR has been refunded." in mail.outbox[0].body


def test_failure_email_skipped_for_a_cancelled_order():
    # Given an order that was cancelled
    order = make_order()
    run(acts.mark_order_cancelled, order.number, "staff", "Duplicate order")

    # When a failure email is attempted
    sent = run(acts.send_failure_email, order.number)

    # Then none is sent
    assert sent is False
    assert mail.outbox == []


# --- business failures are typed and non-retryable ---------------------------------------------


@pytest.mark.parametrize(
    ("token", "error_type", "message"),
    [
        (DECLINED, "PaymentDeclined", "The payment was declined by the card issuer."),
        (INSUFFICIENT, "InsufficientFunds", "The payment failed: the card has insufficient funds."),
    ],
)
def test_declines_are_non_retryable(token, error_type, message):
    # Given a reserved order paid with a failing test card
    order = make_order(token=token)
    advance(order, 2)

    # When the charge runs (twice)
    for _ in range(2):
        with pytest.raises(ApplicationError) as caught:
            run(acts.charge_payment, order.number)

        # Then a non-retryable error of the decline's type, recorded once
        assert (caught.value.type, caught.value.non_retryable, caught.value.message) == (
            error_type,
            True,
            message,
        )
    assert Payment.objects.get(order=order).status == "failed"
    assert GatewayTransaction.objects.get().attempts == 1
    assert status_of(order) == "reserved"


def test_transient_error_is_retryable_then_succeeds():
    # Given a reserved order paid with the transient test card
    order = make_order(token=TRANSIENT)
    advance(order, 2)

    # When the charge runs three times
    errors = []
    for _ in range(2):
        with pytest.raises(ApplicationError) as caught:
            run(acts.charge_payment, order.number)
        errors.append((caught.value.type, caught.value.non_retryable))
    reference = run(acts.charge_payment, order.number)

    # Then twice a retryable error, then one charge
    assert errors == [("TransientPaymentError", False)] * 2
    ledger = GatewayTransaction.objects.get()
    assert (ledger.status, ledger.attempts, ledger.reference) == ("succeeded", 3, reference)
    assert status_of(order) == "paid"


def test_out_of_stock_is_non_retryable_and_reserves_nothing():
    # Given an order of two products, one of them short
    order = make_order(quantity=3, stock=5, lines=2)
    short = order.lines.order_by("pk").last()
    from catalog.models import StockLevel

    StockLevel.objects.filter(product=short.product).update(quantity=2)
    advance(order, 1)

    # When reserve runs
    with pytest.raises(ApplicationError) as caught:
        run(acts.reserve_inventory, order.number)

    # Then OutOfStock naming the short product, and no stock moved (all or nothing)
    assert (caught.value.type, caught.value.non_retryable) == ("OutOfStock", True)
    assert caught.value.message == f"Not enough stock for: {short.name}."
    assert caught.value.details == ([short.name],)
    assert stock_of(order) == [5, 2]
    assert Reservation.objects.count() == 0


def test_unknown_order_is_invalid():
    # Given / When validate runs for an order that does not exist
    with pytest.raises(ApplicationError) as caught:
        run(acts.validate_order, "NOPE")

    # Then a non-retryable InvalidOrder
    assert (caught.value.type, caught.value.non_retryable, caught.value.message) == (
        "InvalidOrder",
        True,
        "Order NOPE does not exist.",
    )


def test_a_closed_order_is_not_charged():
    # Given a reserved order that was cancelled meanwhile
    order = make_order()
    advance(order, 2)
    run(acts.mark_order_cancelled, order.number, "staff", "")

    # When the charge runs
    with pytest.raises(ApplicationError) as caught:
        run(acts.charge_payment, order.number)

    # Then it refuses and nothing reaches the provider
    assert (caught.value.type, caught.value.non_retryable) == ("OrderClosed", True)
    assert GatewayTransaction.objects.count() == 0
