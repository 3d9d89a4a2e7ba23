"""``ReturnWorkflow`` end to end on the time-skipping server: real activities, real database,
the real ``OrderWorkflow`` delivering (and capturing) first, the real ``RefundWorkflow``."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from catalog.models import StockLevel
from orders.models import EmailNotification, Order, Payment
from refunds.models import Refund
from returns.models import ReturnRequest
from returns.services import staff
from returns.services.requesting import request_return
from tests.returns.factories import delivered_order
from tests.workflows.helpers import make_order, start, wait_for
from workflows.return_types import return_workflow_id
from workflows.return_workflow import ReturnWorkflow
from workflows.types import CarrierEvent
from workflows.workflow import OrderWorkflow

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]


def _deliver(client, background_loop, task_queue: str, **order_options) -> Order:
    """An order run by its real workflow through capture and delivery (completed)."""
    order = make_order(**order_options)

    async def scenario() -> str:
        handle = await start(client, order, task_queue)
        await handle.signal(OrderWorkflow.carrier_event, CarrierEvent("delivered", event_id="d1"))
        return (await handle.result()).status

    assert background_loop.run(scenario(), timeout=60) == "completed"
    return Order.objects.get(pk=order.pk)


def _stock(order: Order) -> list[int]:
    return [
        StockLevel.objects.get(product_id=line.product_id).quantity
        for line in order.lines.order_by("pk")
    ]


def _return_emails(order: Order) -> list[tuple[str, str]]:
    return list(
        EmailNotification.objects.filter(order=order, kind__startswith="return_")
        .order_by("pk")
        .values_list("kind", "reference")
    )


def test_happy_path_in_transit_received_restocked_refunded_once_emailed(
    django_on_time_skipping, background_loop, settings
):
    # Given an order of 2 units (19.99 each), delivered and captured by its workflow
    client = django_on_time_skipping.client
    order = _deliver(client, background_loop, settings.TEMPORAL_TASK_QUEUE, quantity=2, stock=10)
    (line,) = order.lines.all()
    assert _stock(order) == [8]
    mail.outbox.clear()

    # When the customer returns 1 unit (the workflow starts on commit), the carrier reports
    # the parcel in transit, then delivered back to the shop (twice: a repeated event)
    ret = request_return(order.number, {line.pk: 1}, "Too small")
    ret.refresh_from_db()
    assert ret.workflow_started_at is not None

    async def scenario():
        handle = client.get_workflow_handle(return_workflow_id(order.number, 1))
        for status, event_id in (("in_transit", "r1"), ("delivered", "r2"), ("delivered", "r2")):
            event = CarrierEvent(status, tracking_number=ret.tracking_number, event_id=event_id)
            await handle.signal(ReturnWorkflow.carrier_event, event)
        return await handle.result(), await handle.query(ReturnWorkflow.progress)

    result, progress = background_loop.run(scenario(), timeout=60)

    # Then the return went requested -> approved -> in transit -> received -> refunded
    assert result == "refunded"
    ret.refresh_from_db()
    assert ret.status == "refunded"
    assert ret.received_at is not None and ret.restocked_at is not None
    assert list(ret.lines.values_list("condition", flat=True)) == ["restock"]
    # ...the unit is back in stock
    assert _stock(order) == [9]
    # ...one refund of the unit's price, tied to the return, succeeded, one provider refund
    refunds = list(Refund.objects.filter(order=order).values_list("number", "amount", "status"))
    assert refunds == [(f"{order.number}-R1", Decimal("19.99"), "succeeded")]
    assert ret.refund_number == f"{order.number}-R1"
    assert Refund.objects.get().return_number == ret.number
    assert list(
        Payment.objects.filter(order=order, kind="refund").values_list("amount", "status")
    ) == [(Decimal("19.99"), "succeeded")]
    # ...the customer was emailed: the request (with the tracking number), the receipt
    assert _return_emails(order) == [
        ("return_requested", ret.number),
        ("return_received", ret.number),
    ]
    requested = next(m for m in mail.outbox if ret.number in m.subject and "send" in m.subject)
    assert ret.tracking_number in requested.body
    received = next(m for m in mail.outbox if m.subject == f"We received your return {ret.number}")
    assert "We are refunding €19.99 to your card." in received.body
    # ...and the progress shows each step once
    assert [(s.step, s.status) for s in progress.steps] == [
        ("open_return", "completed"),
        ("send_return_email", "completed"),
        ("approve_return", "completed"),
        ("mark_return_in_transit", "completed"),
        ("receive_return", "completed"),
        ("request_return_refund", "completed"),
        ("send_return_email", "completed"),
        ("await_return_refund", "completed"),
        ("finish_return_refund", "completed"),
    ]
    assert (progress.status, progress.current_step, progress.refund_number) == (
        "refunded",
        "done",
        f"{order.number}-R1",
    )


def test_a_return_not_sent_back_in_time_expires_with_an_email_and_no_refund(
    django_on_time_skipping, settings
):
    # Given a delivered order and a ship-by time of a second and a half (the workflow's timer
    # is durable whatever its length; skipping 14 days of the test server's clock here made
    # its long-held sleep call fail now and then)
    settings.RETURN_SHIP_BY_DAYS = 1.5 / 86400
    order = delivered_order(quantities=(2,))
    (line,) = order.lines.all()

    # When a return is asked for and nothing is ever sent
    ret = request_return(order.number, {line.pk: 2}, "Wrong colour")
    wait_for(lambda: len(_return_emails(order)) == 2, timeout=30)  # the last step's email
    result = ReturnRequest.objects.get(pk=ret.pk).status

    # Then it expired: two emails, no refund, stock untouched
    assert result == "expired"
    ret.refresh_from_db()
    assert ret.status == "expired" and ret.received_at is None
    assert _return_emails(order) == [
        ("return_requested", ret.number),
        ("return_expired", ret.number),
    ]
    assert Refund.objects.count() == 0
    assert _stock(order) == [10]
    # ...and its units may be asked for again
    assert request_return(order.number, {line.pk: 2}, "Again").number == f"{order.number}-RT2"


def test_damaged_units_are_refunded_but_not_restocked(
    django_on_time_skipping, background_loop, settings
):
    # Given an order of 2 lines x 2 units (19.99 each), delivered and captured
    client = django_on_time_skipping.client
    order = _deliver(
        client, background_loop, settings.TEMPORAL_TASK_QUEUE, quantity=2, stock=10, lines=2
    )
    first, second = order.lines.order_by("pk")
    assert _stock(order) == [8, 8]

    # When 1 of the first and 2 of the second are returned, and staff mark the parcel
    # received: the first line damaged, the second restockable
    ret = request_return(order.number, {first.pk: 1, second.pk: 2}, "Arrived broken")
    wait_for(lambda: ReturnRequest.objects.get(pk=ret.pk).status == "approved", timeout=30)
    ret.refresh_from_db()
    outcome = staff.mark_received(
        ret, {first.pk: "damaged", second.pk: "restock"}, actor="staff@example.com"
    )
    assert outcome.ok, outcome.message

    async def scenario() -> str:
        return await client.get_workflow_handle(return_workflow_id(order.number, 1)).result()

    result = background_loop.run(scenario(), timeout=60)

    # Then only the restockable units went back to stock, all three were refunded once
    assert result == "refunded"
    assert _stock(order) == [8, 10]
    assert dict(ret.lines.values_list("order_line_id", "condition")) == {
        first.pk: "damaged",
        second.pk: "restock",
    }
    assert list(Refund.objects.filter(order=order).values_list("amount", "status")) == [
        (Decimal("59.97"), "succeeded")
    ]
    # ...and staff's receipt is on the order's (staff-only) timeline
    assert (
        order.events.filter(
            kind="staff_action", message__startswith=f"Return {ret.number} received by"
        ).count()
        == 1
    )
