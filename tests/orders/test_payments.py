"""The fake gateway's charge/refund: its own ledger makes idempotency real across processes."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from orders.models import GatewayTransaction
from orders.payments import PaymentDeclined, PaymentError, TransientPaymentError, get_gateway
from orders.payments.fake import FakeGateway
from orders.payments.flaky import FlakyFakeGateway

pytestmark = pytest.mark.django_db

AMOUNT = Decimal("44.88")


def token(behaviour: str) -> str:
    return f"tok_{behaviour}_0123456789abcdef"


def test_charge_succeeds_and_is_recorded():
    # Given the fake gateway / When a good card is charged
    result = FakeGateway().charge(token("success"), AMOUNT, "EUR", "order-A1-charge")

    # Then the ledger holds one succeeded charge with that reference
    row = GatewayTransaction.objects.get()
    assert (result.status, result.reference) == ("succeeded", row.reference)
    assert row.reference.startswith("ch_")
    assert (row.idempotency_key, row.kind, row.amount, row.currency, row.status, row.attempts) == (
        "order-A1-charge",
        "charge",
        AMOUNT,
        "EUR",
        "succeeded",
        1,
    )


def test_same_key_from_another_gateway_instance_returns_the_first_result():
    # Given a charge made by one gateway instance (one worker process)
    first = FakeGateway().charge(token("success"), AMOUNT, "EUR", "order-A2-charge")

    # When another instance (another process) retries with the same key
    second = FakeGateway().charge(token("success"), AMOUNT, "EUR", "order-A2-charge")

    # Then nothing new was charged
    assert second == first
    assert GatewayTransaction.objects.get().attempts == 2


@pytest.mark.parametrize(
    ("behaviour", "code", "status"),
    [
        ("declined", "card_declined", "declined"),
        ("insufficient", "insufficient_funds", "insufficient_funds"),
    ],
)
def test_declines_are_recorded_and_repeat(behaviour, code, status):
    # Given a failing test card / When it is charged twice with one key
    for _ in range(2):
        with pytest.raises(PaymentDeclined) as caught:
            FakeGateway().charge(token(behaviour), AMOUNT, "EUR", "order-A3-charge")

        # Then each call is declined with the stable code
        assert caught.value.code == code
        assert caught.value.retryable is False
    row = GatewayTransaction.objects.get()
    assert (row.status, row.attempts) == (status, 2)


def test_transient_card_fails_twice_per_key_then_succeeds():
    # Given the transient test card
    gateway = FakeGateway()

    # When it is charged three times with one key
    errors = []
    for _ in range(2):
        with pytest.raises(TransientPaymentError) as caught:
            gateway.charge(token("transient"), AMOUNT, "EUR", "order-A4-charge")
        errors.append((caught.value.code, caught.value.retryable))
    result = gateway.charge(token("transient"), AMOUNT, "EUR", "order-A4-charge")

    # Then two retryable errors, then one success; the attempts are counted in the ledger
    assert errors == [("processing_error", True)] * 2
    row = GatewayTransaction.objects.get()
    assert (result.reference, row.status, row.attempts) == (row.reference, "succeeded", 3)


def test_a_key_reused_for_another_amount_is_refused():
    # Given a charge for 44.88
    FakeGateway().charge(token("success"), AMOUNT, "EUR", "order-A5-charge")

    # When the same key is used for another amount / Then it is refused, not charged
    with pytest.raises(PaymentError) as caught:
        FakeGateway().charge(token("success"), Decimal("1.00"), "EUR", "order-A5-charge")
    assert caught.value.code == "idempotency_mismatch"
    assert GatewayTransaction.objects.count() == 1


def test_refund_once_per_key():
    # Given a charge
    charge = FakeGateway().charge(token("success"), AMOUNT, "EUR", "order-A6-charge")

    # When it is refunded twice with one key
    first = FakeGateway().refund(charge.reference, AMOUNT, "EUR", "order-A6-refund")
    second = FakeGateway().refund(charge.reference, AMOUNT, "EUR", "order-A6-refund")

    # Then one refund row
    assert first == second
    assert first.reference.startswith("re_")
    refund = GatewayTransaction.objects.get(kind="refund")
    assert (refund.token, refund.amount, refund.attempts) == (charge.reference, AMOUNT, 2)


def test_gateway_is_chosen_by_setting(settings):
    # Given the flaky gateway configured / When it is looked up / Then that class is used
    settings.PAYMENT_GATEWAY = "orders.payments.flaky.FlakyFakeGateway"
    assert type(get_gateway()) is FlakyFakeGateway


def test_flaky_gateway_never_fails_at_rate_zero():
    # Given a flaky gateway failing 0% of calls / When it charges / Then it succeeds
    result = FlakyFakeGateway(failure_rate=0.0).charge(token("success"), AMOUNT, "EUR", "k-0")
    assert result.status == "succeeded"


def test_flaky_gateway_reads_the_rate_from_settings(settings):
    # Given the setting at 100% / When a gateway is made / Then every call fails transiently
    settings.FAKE_GATEWAY_FAILURE_RATE = 1.0
    gateway = FlakyFakeGateway()
    with pytest.raises(TransientPaymentError):
        gateway.charge(token("success"), AMOUNT, "EUR", "k-1")
    assert gateway.failure_rate == 1.0


def test_flaky_gateway_fails_before_and_after_recording_but_charges_once():
    # Given a gateway failing half the calls (seeded), some before and some after recording
    gateway = FlakyFakeGateway(failure_rate=0.5, rng=random.Random(4))

    # When one key is retried until it succeeds, for 10 keys
    failures = 0
    for n in range(10):
        while True:
            try:
                gateway.charge(token("success"), AMOUNT, "EUR", f"order-F{n}-charge")
                break
            except TransientPaymentError:
                failures += 1

    # Then each key was charged exactly once, though calls failed along the way
    assert failures > 0
    assert GatewayTransaction.objects.filter(status="succeeded").count() == 10
    assert GatewayTransaction.objects.count() == 10
    recorded_then_lost = GatewayTransaction.objects.filter(attempts__gt=1).count()
    assert recorded_then_lost > 0
