"""The admin's "recover workflow" action: an order whose workflow was terminated mid-flight is
finished by a new run that resumes from the database, charging, shipping and emailing once."""

from __future__ import annotations

import pytest
from django.core import mail

from orders.models import EmailNotification, Payment, Shipment
from tests.factories import StaffFactory
from tests.workflows.gateways import GatedGateway
from tests.workflows.helpers import make_order, start, status_of, wait_for
from workflows import client as temporal_client
from workflows.types import CarrierEvent, OrderResult, workflow_id_for
from workflows.workflow import OrderWorkflow

WAITING = "awaiting_delivery"

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def gated_gateway(settings):
    settings.PAYMENT_GATEWAY = "tests.workflows.gateways.GatedGateway"
    GatedGateway.reset()
    yield GatedGateway
    GatedGateway.release.set()


def recover(client, order) -> str:
    client.force_login(StaffFactory(email="ops@example.com"))
    page = client.post(
        "/admin/orders/order/",
        {"action": "recover_workflows", "_selected_action": [order.pk]},
        follow=True,
    )
    return " ".join(str(m) for m in page.context["messages"])


def test_a_terminated_order_is_recovered_and_charged_shipped_and_emailed_once(
    order_worker, background_loop, settings, gated_gateway, client
):
    # Given an order whose workflow is terminated while the card's authorization is under way
    order = make_order(quantity=1, stock=5)
    handle = background_loop.run(
        start(order_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10
    )
    assert gated_gateway.entered.wait(15)
    background_loop.run(handle.terminate("operator mistake"), timeout=10)
    gated_gateway.release.set()  # the provider still answers: the authorization is recorded
    wait_for(lambda: Payment.objects.filter(order=order, kind="authorization").exists())

    # When staff run "recover workflow" on it
    message = recover(client, order)

    # Then a new run picks it up and ships it; delivered, it completes
    assert message == f"Workflow recovered: {order.number}."
    wait_for(lambda: status_of(order) == "shipped", timeout=30)
    new_run = order_worker.client.get_workflow_handle_for(
        OrderWorkflow.run, workflow_id_for(order.number)
    )

    async def deliver() -> OrderResult:
        await new_run.signal(OrderWorkflow.carrier_event, CarrierEvent("delivered", "", "d1"))
        return await new_run.result()

    assert background_loop.run(deliver(), timeout=30).status == "completed"
    # And the money, the parcel and the confirmation happened once each
    assert list(Payment.objects.filter(order=order).values_list("kind", "status")) == [
        ("authorization", "succeeded"),
        ("capture", "succeeded"),
    ]
    assert Shipment.objects.filter(order=order).count() == 1
    sent = EmailNotification.objects.filter(order=order).order_by("pk")
    assert list(sent.values_list("kind", flat=True)) == ["confirmation", "delivered"]
    assert len(mail.outbox) == 2  # the confirmation and the delivery email, once each


def test_a_running_workflow_is_not_recovered(order_worker, background_loop, settings, client):
    # Given an order whose workflow runs (waiting for delivery)
    order = make_order(quantity=1, stock=5)
    background_loop.run(start(order_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10)
    wait_for(
        lambda: temporal_client.query_progress(order.number).current_step == "awaiting_delivery"
    )

    # When staff run "recover workflow" on it / Then it is refused, nothing started
    message = recover(client, order)
    assert message == f"{order.number}: The workflow is running: nothing to recover."
