"""The fake gateway's full lifecycle: authorize, capture or void, refund in parts; each call
once per idempotency key, and what a real provider refuses is refused."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest

from orders.models import GatewayTransaction
from orders.payments import PaymentDeclined, PaymentError, TransientPaymentError
from orders.payments.fake import FakeGateway
from orders.payments.flaky import FlakyFakeGateway

pytestmark = pytest.mark.django_db

AMOUNT = Decimal("44.88")


def token(behaviour: str) -> str:
    return f"tok_{behaviour}_0123456789abcdef"


def authorized(gateway: FakeGateway | None = None, number: str = "A1") -> str:
    gateway = gateway or FakeGateway()
    return gateway.authorize(token("success"), AMOUNT, "EUR", f"order-{number}-authorize").reference


def test_authorize_then_capture_moves_the_money_once_per_key():
    # given an authorization
    gateway = FakeGateway()
    authorization = authorized(gateway)

    # when it is captured twice with the same key
    first = gateway.capture(authorization, AMOUNT, "EUR", "order-A1-capture")
    again = gateway.capture(authorization, AMOUNT, "EUR", "order-A1-capture")

    # then the ledger holds one authorization and one capture, and both calls saw the same one
    assert first == again
    assert first.reference.startswith("ca_")
    rows = list(GatewayTransaction.objects.values_list("kind", "status", "amount", "attempts"))
    assert rows == [("authorize", "succeeded", AMOUNT, 1), ("capture", "succeeded", AMOUNT, 2)]


@pytest.mark.parametrize(
    ("behaviour", "code"), [("declined", "card_declined"), ("insufficient", "insufficient_funds")]
)
def test_decline_cards_decline_at_authorization(behaviour, code):
    # given / when a decline card is authorized
    with pytest.raises(PaymentDeclined) as excinfo:
        FakeGateway().authorize(token(behaviour), AMOUNT, "EUR", "order-A2-authorize")

    # then it is declined with its code, and the ledger says so
    assert excinfo.value.code == code
    expected = "declined" if behaviour == "declined" else "insufficient_funds"
    assert GatewayTransaction.objects.get().status == expected


def test_the_transient_card_fails_twice_at_authorization_then_succeeds():
    # given the transient card
    gateway = FakeGateway()
    key = "order-A3-authorize"

    # when it is authorized three times with the same key
    for _ in range(2):
        with pytest.raises(TransientPaymentError):
            gateway.authorize(token("transient"), AMOUNT, "EUR", key)
    result = gateway.authorize(token("transient"), AMOUNT, "EUR", key)

    # then the third call succeeds on the one ledger row
    assert result.status == "succeeded"
    assert GatewayTransaction.objects.get().attempts == 3


def test_void_releases_an_authorization_and_it_can_no_longer_be_captured():
    # given an authorization that is voided
    gateway = FakeGateway()
    authorization = authorized(gateway, "A4")
    voided = gateway.void(authorization, "order-A4-void")

    # when a capture is tried
    with pytest.raises(PaymentError) as excinfo:
        gateway.capture(authorization, AMOUNT, "EUR", "order-A4-capture")

    # then it is refused; the void is recorded once, for the whole amount
    assert excinfo.value.code == "authorization_voided"
    assert voided.reference.startswith("vo_")
    assert list(GatewayTransaction.objects.values_list("kind", "amount")) == [
        ("authorize", AMOUNT),
        ("void", AMOUNT),
    ]


def test_a_captured_authorization_cannot_be_voided():
    # given a captured authorization
    gateway = FakeGateway()
    authorization = authorized(gateway, "A5")
    gateway.capture(authorization, AMOUNT, "EUR", "order-A5-capture")

    # when it is voided
    with pytest.raises(PaymentError) as excinfo:
        gateway.void(authorization, "order-A5-void")

    # then the provider refuses, and no void row exists
    assert excinfo.value.code == "already_captured"
    assert not GatewayTransaction.objects.filter(kind="void").exists()


def test_capture_of_more_than_authorized_is_refused():
    # given an authorization of 44.88
    gateway = FakeGateway()
    authorization = authorized(gateway, "A6")

    # when 50.00 is captured
    with pytest.raises(PaymentError) as excinfo:
        gateway.capture(authorization, Decimal("50.00"), "EUR", "order-A6-capture")

    # then it is refused and nothing was captured
    assert excinfo.value.code == "amount_too_large"
    assert not GatewayTransaction.objects.filter(kind="capture").exists()


def test_partial_refunds_add_up_to_at_most_the_capture():
    # given a capture of 44.88
    gateway = FakeGateway()
    capture = gateway.capture(authorized(gateway, "A7"), AMOUNT, "EUR", "order-A7-capture")

    # when 20.00 and 24.88 are refunded under their own keys (the first twice), then 0.01 more
    gateway.refund(capture.reference, Decimal("20.00"), "EUR", "order-A7-refund-1")
    gateway.refund(capture.reference, Decimal("20.00"), "EUR", "order-A7-refund-1")
    gateway.refund(capture.reference, Decimal("24.88"), "EUR", "order-A7-refund-2")
    with pytest.raises(PaymentError) as excinfo:
        gateway.refund(capture.reference, Decimal("0.01"), "EUR", "order-A7-refund-3")

    # then exactly the captured amount was refunded, in two rows, and the third was refused
    refunds = GatewayTransaction.objects.filter(kind="refund").values_list("amount", flat=True)
    assert sorted(refunds) == [Decimal("20.00"), Decimal("24.88")]
    assert excinfo.value.code == "amount_too_large"


def test_unknown_authorization_is_not_found():
    # given / when an authorization reference the provider never issued is captured
    with pytest.raises(PaymentError) as excinfo:
        FakeGateway().capture("au_nope", AMOUNT, "EUR", "order-A8-capture")

    # then it is refused and nothing recorded
    assert excinfo.value.code == "not_found"
    assert GatewayTransaction.objects.count() == 0


def test_flaky_gateway_loses_calls_and_responses_but_each_step_happens_once():
    # given a gateway that fails every call, before or after the ledger, then one that doesn't
    flaky = FlakyFakeGateway(failure_rate=1.0)
    steady = FlakyFakeGateway(failure_rate=0.0)

    # when each step is tried on the flaky one until it raises, then retried on the steady one
    def twice(call, *args):
        for _ in range(3):
            with contextlib.suppress(TransientPaymentError):
                call(flaky, *args)
        return call(steady, *args)

    auth = twice(FlakyFakeGateway.authorize, token("success"), AMOUNT, "EUR", "order-A9-auth")
    twice(FlakyFakeGateway.capture, auth.reference, AMOUNT, "EUR", "order-A9-capture")

    # then the ledger holds one authorization and one capture
    kinds = list(GatewayTransaction.objects.values_list("kind", flat=True))
    assert kinds == ["authorize", "capture"]
