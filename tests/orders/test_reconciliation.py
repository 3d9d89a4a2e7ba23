"""``reconcile_payments``: provider money with no payment record is found and given back once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from orders.models import GatewayTransaction, OrderEvent
from orders.payments import get_gateway
from orders.services import billing
from tests.workflows.helpers import SUCCESS, make_order

pytestmark = pytest.mark.django_db


def _age(minutes: float) -> None:
    GatewayTransaction.objects.update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_a_recorded_authorization_is_reconciled(capsys):
    # Given an authorization the shop recorded, 20 minutes ago
    order = make_order(quantity=1, price="20.00")
    order.status = "reserved"
    order.save(update_fields=["status"])
    billing.authorize_payment(order.number)
    _age(20)

    # When reconciliation runs / Then nothing is out of place
    call_command("reconcile_payments")
    assert capsys.readouterr().out == "Reconciled: every provider movement has a payment record.\n"


def test_an_unrecorded_authorization_is_reported_then_voided_once(capsys):
    # Given a hold the provider accepted 20 minutes ago whose record was lost (a crash)
    order = make_order(quantity=1, price="20.00")
    key = f"order-{order.number}-authorize"
    result = get_gateway().authorize(SUCCESS, Decimal("24.90"), "EUR", key)
    _age(20)

    # When reconciliation runs without --settle
    with pytest.raises(CommandError, match="1 provider movement"):
        call_command("reconcile_payments")
    report = capsys.readouterr().out

    # Then it is reported; with --settle, voided once and noted on the order
    assert report == (
        f"order {order.number}: authorize 24.90 EUR ({key}, {result.reference}) has no record\n"
    )
    call_command("reconcile_payments", "--settle")
    call_command("reconcile_payments", "--settle")
    voids = GatewayTransaction.objects.filter(kind="void", token=result.reference)
    assert [v.idempotency_key for v in voids] == [f"{key}-reconcile"]
    event = OrderEvent.objects.get(order=order, kind="staff_action")
    assert event.message.startswith("Reconciliation: authorize of 24.90 EUR had no record; voided")


def test_a_young_unrecorded_movement_is_left_to_its_activity(capsys):
    # Given a capture-less authorization accepted a minute ago, not recorded yet
    order = make_order(quantity=1, price="20.00")
    get_gateway().authorize(SUCCESS, Decimal("24.90"), "EUR", f"order-{order.number}-authorize")
    _age(1)

    # When reconciliation runs with --settle / Then it is not touched
    call_command("reconcile_payments", "--settle")
    assert not GatewayTransaction.objects.filter(kind="void").exists()
