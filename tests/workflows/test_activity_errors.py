"""Business failures come out of activities as non-retryable ``ApplicationError``s with a
type; transient ones are retryable."""

from __future__ import annotations

import pytest
from temporalio.exceptions import ApplicationError

from orders.models import (
    GatewayTransaction,
    Payment,
    Reservation,
)
from tests.workflows.activity_env import advance, run
from tests.workflows.helpers import (
    DECLINED,
    INSUFFICIENT,
    TRANSIENT,
    make_order,
    status_of,
    stock_of,
)
from workflows import activities as acts

pytestmark = pytest.mark.django_db


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
