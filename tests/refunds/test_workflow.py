"""Staff refunds through ``RefundWorkflow`` on a real Temporal dev server with the real worker
(activities in threads on the test database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from orders.models import GatewayTransaction, Payment
from refunds.models import Refund
from refunds.services import RefundRefused, request_refund, start_pending_refunds
from tests.refunds.factories import captured_order
from tests.workflows.helpers import wait_for
from workflows import client as temporal_client
from workflows.refund_types import refund_workflow_id
from workflows.refund_workflow import RefundWorkflow

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]


def _finished(worker, loop, refund: Refund) -> Refund:
    """Wait for the refund's workflow to end (started on commit: poll until it exists)."""

    async def result():
        handle = worker.client.get_workflow_handle_for(
            RefundWorkflow.run, refund_workflow_id(refund.number)
        )
        return await handle.result()

    wait_for(lambda: Refund.objects.get(pk=refund.pk).workflow_started_at, timeout=20)
    loop.run(result(), timeout=20)
    return Refund.objects.get(pk=refund.pk)


def _provider_refunds(order) -> list[tuple[str, Decimal]]:
    rows = GatewayTransaction.objects.filter(kind="refund", token__startswith="ca_")
    rows = rows.filter(idempotency_key__startswith=f"order-{order.number}-").order_by("pk")
    return [(r.idempotency_key, r.amount) for r in rows]


def test_refund_one_of_two_units_then_the_rest_through_the_workflow(order_worker, background_loop):
    # Given a delivered order of 2 x 11.90 (19% VAT included) + 4.90 shipping, captured
    order = captured_order(lines=(("11.90", 2),))
    line = order.lines.get()

    # When staff refund one unit (its workflow starts on commit)
    first = request_refund(
        order.number, lines={line.pk: 1}, reason="Scratched", actor="staff@example.com"
    )
    first = _finished(order_worker, background_loop, first)

    # Then one provider refund of exactly that unit's price, the order partially refunded, the
    # workflow done and its progress queryable, the customer emailed
    assert first.status == "succeeded"
    assert first.workflow_started_at is not None
    assert _provider_refunds(order) == [(f"order-{order.number}-refund-1", Decimal("11.90"))]
    order.refresh_from_db()
    assert order.status == "partially_refunded"
    progress = temporal_client.query_refund_progress(first.number)
    assert (progress.refund_number, progress.status, progress.current_step) == (
        first.number,
        "succeeded",
        "done",
    )
    assert [(s.step, s.status) for s in progress.steps] == [
        ("execute_refund", "completed"),
        ("issue_refund_credit_note", "completed"),
        ("send_refund_email", "completed"),
    ]
    snapshot = temporal_client.describe_refund_workflow(first.number)
    assert (snapshot.workflow_id, snapshot.status) == (f"refund-{order.number}-1", "COMPLETED")

    # When the other unit and the shipping are refunded
    second = request_refund(
        order.number,
        lines={line.pk: 1},
        include_shipping=True,
        reason="Scratched too",
        actor="staff@example.com",
    )
    second = _finished(order_worker, background_loop, second)

    # Then the order is refunded in full, one provider refund per refund, one email each
    order.refresh_from_db()
    assert order.status == "refunded"
    assert _provider_refunds(order) == [
        (f"order-{order.number}-refund-1", Decimal("11.90")),
        (f"order-{order.number}-refund-2", Decimal("16.80")),
    ]
    assert len(mail.outbox) == 2

    # When a third refund is asked for / Then it is refused
    with pytest.raises(RefundRefused) as refused:
        request_refund(order.number, amount=Decimal("1.00"), reason="More", actor="staff")
    assert refused.value.code == "over_refund"

    # And starting a running or finished refund's workflow again is harmless (already started)
    assert temporal_client.start_refund_workflow(order.number, first.number) is False


def test_a_refund_saved_while_temporal_is_down_is_started_by_the_sweeper(
    temporal_dev_server, background_loop, settings
):
    # Given Temporal unreachable (the settings' default in tests)
    order = captured_order()

    # When staff refund 5.00
    refund = request_refund(
        order.number, amount=Decimal("5.00"), reason="Goodwill", actor="staff@example.com"
    )

    # Then the refund is saved with no workflow on record
    refund.refresh_from_db()
    assert (refund.status, refund.workflow_started_at) == ("requested", None)

    # When Temporal is back and the sweeper runs (twice)
    settings.TEMPORAL_ADDRESS = temporal_dev_server.address
    temporal_client.reset_client()
    assert start_pending_refunds() == 1
    assert start_pending_refunds() == 0

    # Then its workflow runs in Temporal under the refund's id
    async def describe():
        handle = temporal_dev_server.env.client.get_workflow_handle_for(
            RefundWorkflow.run, refund_workflow_id(refund.number)
        )
        return (await handle.describe()).id

    assert background_loop.run(describe(), timeout=10) == f"refund-{order.number}-1"
    refund.refresh_from_db()
    assert refund.workflow_started_at is not None


def test_a_refund_the_provider_refuses_ends_failed_and_staff_are_told(
    order_worker, background_loop, settings
):
    # Given a delivered order whose capture the provider no longer knows
    order = captured_order()
    Payment.objects.filter(order=order, kind="capture").update(gateway_reference="ca_gone")

    # When staff refund 5.00 through the workflow
    refund = request_refund(
        order.number, amount=Decimal("5.00"), reason="Goodwill", actor="staff@example.com"
    )

    # Then the workflow ends failed: the refund failed, no money moved, the order unchanged,
    # staff emailed (no customer email, no credit note)
    async def result():
        handle = order_worker.client.get_workflow_handle_for(
            RefundWorkflow.run, refund_workflow_id(refund.number)
        )
        return await handle.result()

    outcome = background_loop.run(result(), timeout=20)
    assert (outcome.status, outcome.credit_note) == ("failed", "")
    refund.refresh_from_db()
    assert refund.status == "failed"
    assert _provider_refunds(order) == []
    order.refresh_from_db()
    assert order.status == "completed"
    assert [m.to for m in mail.outbox] == [list(settings.SHOP_STAFF_EMAILS)]
    progress = temporal_client.query_refund_progress(refund.number)
    assert (progress.status, progress.current_step) == ("failed", "failed")
