"""The order's money through the services the activities call: authorize (and pay again after a
decline), capture, void, and the refund a compensation makes of a captured authorization.
Each runs twice where a retried activity would, and moves money once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.models import GatewayTransaction, OrderEvent, Payment
from orders.payments import CardToken, PaymentDeclined
from orders.services import billing
from tests.workflows.helpers import DECLINED, INSUFFICIENT, SUCCESS, make_order, status_of

pytestmark = pytest.mark.django_db

NEW_CARD = CardToken(token=SUCCESS, brand="visa", last4="4242")


def _reserved(token: str = SUCCESS):
    order = make_order(token=token, quantity=1, price="20.00")
    order.status = "reserved"
    order.card_brand, order.card_last4 = "visa", "0002"
    order.save(update_fields=["status", "card_brand", "card_last4"])
    return order


def _payments(order) -> list[tuple[str, str, str]]:
    return list(
        Payment.objects.filter(order=order)
        .order_by("pk")
        .values_list("kind", "status", "idempotency_key")
    )


def test_authorize_twice_holds_the_total_once_and_moves_to_authorized():
    # Given a reserved order of 24.90
    order = _reserved()

    # When the authorization runs twice (a retried activity)
    first = billing.authorize_payment(order.number)
    second = billing.authorize_payment(order.number)

    # Then one hold of the total, recorded once, the order authorized
    assert first.pk == second.pk
    assert (first.amount, first.status) == (Decimal("24.90"), "succeeded")
    assert _payments(order) == [("authorization", "succeeded", f"order-{order.number}-authorize")]
    assert GatewayTransaction.objects.filter(kind="authorize").count() == 1
    assert status_of(order) == "authorized"


@pytest.mark.parametrize(
    ("token", "code", "message"),
    [
        (DECLINED, "card_declined", "The payment was declined by the card issuer."),
        (
            INSUFFICIENT,
            "insufficient_funds",
            "The payment failed: the card has insufficient funds.",
        ),
    ],
)
def test_a_decline_lets_the_order_wait_for_another_card(token, code, message):
    # Given a reserved order with a card the issuer refuses
    order = _reserved(token)

    # When the authorization runs, and runs again (a retried activity)
    for _ in range(2):
        with pytest.raises(PaymentDeclined) as declined:
            billing.authorize_payment(order.number)

    # Then the decline is recorded once, in plain words, and the order awaits payment
    assert (declined.value.code, declined.value.message) == (code, message)
    assert _payments(order) == [("authorization", "failed", f"order-{order.number}-authorize")]
    event = OrderEvent.objects.get(order=order, kind="payment_failed")
    assert (event.message, event.to_status) == (
        f"{message} (visa ending in 0002)",
        "awaiting_payment",
    )
    assert status_of(order) == "awaiting_payment"


def test_paying_again_uses_the_new_card_under_its_own_key():
    # Given an order whose first card was declined
    order = _reserved(DECLINED)
    with pytest.raises(PaymentDeclined):
        billing.authorize_payment(order.number)

    # When attempt 2 comes with a good card (twice: a retried activity)
    billing.authorize_payment(order.number, 2, NEW_CARD)
    billing.authorize_payment(order.number, 2, NEW_CARD)

    # Then the new card is the order's, authorized once under -authorize-2
    order.refresh_from_db()
    assert (order.payment_token, order.card_last4, order.status) == (SUCCESS, "4242", "authorized")
    assert _payments(order) == [
        ("authorization", "failed", f"order-{order.number}-authorize"),
        ("authorization", "succeeded", f"order-{order.number}-authorize-2"),
    ]


def test_capture_takes_the_authorized_total_once():
    # Given an authorized order
    order = _reserved()
    authorization = billing.authorize_payment(order.number)

    # When the capture runs twice
    first = billing.capture_payment(order.number)
    second = billing.capture_payment(order.number)

    # Then one capture of the authorized amount, one event
    assert first.pk == second.pk
    assert (first.amount, first.idempotency_key) == (
        authorization.amount,
        f"order-{order.number}-capture",
    )
    assert GatewayTransaction.objects.filter(kind="capture").count() == 1
    assert OrderEvent.objects.filter(order=order, kind="payment_captured").count() == 1


def test_void_before_capture_releases_the_hold_and_refunds_nothing():
    # Given an authorized order
    order = _reserved()
    billing.authorize_payment(order.number)

    # When the compensation runs twice
    billing.void_payment(order.number)
    billing.void_payment(order.number)

    # Then one void, no refund
    assert [kind for kind, _, _ in _payments(order)] == ["authorization", "void"]
    assert GatewayTransaction.objects.filter(kind="void").count() == 1
    assert not GatewayTransaction.objects.filter(kind="refund").exists()


def test_compensation_after_capture_refunds_the_capture_once():
    # Given an order whose authorization was captured
    order = _reserved()
    billing.authorize_payment(order.number)
    billing.capture_payment(order.number)

    # When the compensation runs twice
    first = billing.void_payment(order.number)
    second = billing.void_payment(order.number)

    # Then the capture is refunded in full once (a captured hold can't be voided)
    assert first.pk == second.pk
    assert (first.kind, first.amount, first.idempotency_key) == (
        "refund",
        Decimal("24.90"),
        f"order-{order.number}-refund-1",
    )
    assert GatewayTransaction.objects.filter(kind="refund").count() == 1
    assert not GatewayTransaction.objects.filter(kind="void").exists()


def test_void_without_an_authorization_does_nothing():
    # Given an order whose card was declined
    order = _reserved(DECLINED)
    with pytest.raises(PaymentDeclined):
        billing.authorize_payment(order.number)

    # When the compensation runs / Then there is nothing to release
    assert billing.void_payment(order.number) is None
    assert not GatewayTransaction.objects.filter(kind="void").exists()
