"""``manage.py simulate_delivery``: a correctly signed carrier event through the real webhook.

The full path through a running workflow is in ``test_webhook_workflow.py``.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from orders.models import OrderEvent
from tests.factories import OrderFactory, ShipmentFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("simulate_delivery", *args, stdout=out)
    return out.getvalue()


def test_unknown_order_is_a_clear_error():
    # given no such order / when simulated / then a clear command error
    with pytest.raises(CommandError, match="No order 'NOPE'."):
        run("NOPE")


def test_order_without_shipment_is_a_clear_error():
    # given an order that has not shipped
    OrderFactory(number="M0000001", status="paid")

    # when simulated / then the command says to wait for shipping
    with pytest.raises(CommandError, match="M0000001 has no shipment yet \\(status: paid\\)"):
        run("M0000001")


def test_signed_request_reaches_the_webhook_which_reports_temporal_down():
    # given a shipped order while Temporal is unreachable
    ShipmentFactory(order__number="M0000002", tracking_number="TRK000000321")

    # when the delivery is simulated
    with pytest.raises(CommandError) as excinfo:
        run("M0000002")

    # then the signature was accepted (not 401) and the webhook asked for a retry
    assert str(excinfo.value) == (
        "Webhook answered 503: The order system is unreachable; retry later."
    )
    assert not OrderEvent.objects.exists()


def test_signed_request_for_finished_order_is_accepted(settings):
    # given a completed order and a non-default secret
    settings.CARRIER_WEBHOOK_SECRET = "another-secret"
    ShipmentFactory(
        order__number="M0000003", order__status="completed", tracking_number="TRK000000322"
    )

    # when an in-transit event is simulated
    output = run("M0000003", "--status", "in_transit")

    # then the webhook accepted it
    assert output.strip() == (
        "Sent 'in_transit' for order M0000003 (tracking TRK000000322): "
        "Order M0000003 is already completed; event 'in_transit' ignored."
    )
