"""Refund requests and their execution on the real database and the fake gateway's ledger
(no Temporal: the workflow's start fails fast and the steps are called as the activities call
them)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from orders.models import EmailNotification, GatewayTransaction, Order, OrderEvent, Payment
from refunds import services
from refunds.models import Refund
from refunds.services import RefundRefused, request_refund
from tests.factories import row_counts
from tests.refunds.factories import captured_order

pytestmark = pytest.mark.django_db


def _refund_at_provider(order: Order) -> list[tuple[str, Decimal]]:
    rows = GatewayTransaction.objects.filter(
        idempotency_key__startswith=f"order-{order.number}-refund", kind="refund"
    ).order_by("pk")
    return [(r.idempotency_key, r.amount) for r in rows]


def _run(refund: Refund) -> Refund:
    """What the workflow does, step by step."""
    services.execute_refund(refund.number)
    services.issue_refund_credit_note(refund.number)
    services.send_refund_email(refund.number)
    return Refund.objects.get(pk=refund.pk)


def test_one_of_two_units_then_the_rest_then_refused():
    # Given a delivered order of 2 x 11.90 (19% VAT included) plus 4.90 shipping, captured
    order = captured_order(lines=(("11.90", 2),))
    line = order.lines.get()

    # When staff refund 1 of the 2 units
    first = _run(
        request_refund(order.number, lines={line.pk: 1}, reason="Broken", actor="staff@example.com")
    )

    # Then exactly that unit's price went back at the provider, split into net and tax
    assert first.status == "succeeded"
    assert first.number == f"{order.number}-R1"
    assert (first.amount, first.net, first.tax) == (
        Decimal("11.90"),
        Decimal("10.00"),
        Decimal("1.90"),
    )
    assert first.tax_breakdown == [{"rate": "19.00", "net": "10.00", "tax": "1.90"}]
    assert _refund_at_provider(order) == [(f"order-{order.number}-refund-1", Decimal("11.90"))]
    order.refresh_from_db()
    assert order.status == "partially_refunded"
    event = OrderEvent.objects.get(order=order, kind="payment_refunded")
    assert event.message == f"Refunded 11.90 EUR ({first.number})."

    # When the rest is refunded: the other unit and the shipping
    second = _run(
        request_refund(
            order.number,
            lines={line.pk: 1},
            include_shipping=True,
            reason="Broken too",
            actor="staff@example.com",
        )
    )

    # Then the order is refunded in full, and each refund was one provider refund
    assert second.amount == Decimal("16.80")
    order.refresh_from_db()
    assert order.status == "refunded"
    assert _refund_at_provider(order) == [
        (f"order-{order.number}-refund-1", Decimal("11.90")),
        (f"order-{order.number}-refund-2", Decimal("16.80")),
    ]
    refunds = Payment.objects.filter(order=order, kind="refund", status="succeeded")
    assert sorted(p.amount for p in refunds) == [Decimal("11.90"), Decimal("16.80")]
    # And the customer got one email per refund
    emails = EmailNotification.objects.filter(order=order, kind="refund")
    assert sorted(emails.values_list("reference", flat=True)) == [first.number, second.number]
    assert len(mail.outbox) == 2
    assert "€11.90" in mail.outbox[0].body
    # And each refund has its credit note, attached to its email
    assert first.credit_note_number.startswith("CN-")
    assert second.credit_note_number.startswith("CN-")
    assert first.credit_note_number != second.credit_note_number
    assert [a[2] for a in mail.outbox[0].attachments] == ["application/pdf"]

    # When a third refund is asked for / Then it is refused, nothing written
    before = row_counts()
    with pytest.raises(RefundRefused) as refused:
        request_refund(order.number, amount=Decimal("0.01"), reason="Goodwill", actor="staff")
    assert refused.value.code == "over_refund"
    assert row_counts() == before
    assert Refund.objects.filter(order=order).count() == 2


def test_steps_run_twice_have_the_effect_of_once():
    # Given a requested refund of one unit
    order = captured_order(lines=(("10.00", 3),), tax_rate="0.00", shipping="0.00")
    refund = request_refund(order.number, lines={order.lines.get().pk: 1}, reason="", actor="staff")

    # When every step runs twice (a retried activity)
    _run(refund)
    _run(refund)

    # Then one provider refund, one Payment, one event, one email
    assert _refund_at_provider(order) == [(f"order-{order.number}-refund-1", Decimal("10.00"))]
    assert Payment.objects.filter(order=order, kind="refund").count() == 1
    assert OrderEvent.objects.filter(order=order, kind="payment_refunded").count() == 1
    assert len(mail.outbox) == 1


def test_units_of_a_line_add_up_to_what_was_paid_for_it():
    # Given a line of 3 units paid 10.00 in all (3.33... each)
    order = captured_order(lines=(("10.00", 3),), tax_rate="0.00", shipping="0.00")
    order.lines.update(gross_amount=Decimal("10.00"), net_amount=Decimal("10.00"))
    line = order.lines.get()

    # When the units are refunded one by one
    amounts = [
        request_refund(order.number, lines={line.pk: 1}, reason="", actor="staff").amount
        for _ in range(3)
    ]

    # Then the last one takes the remainder
    assert amounts == [Decimal("3.33"), Decimal("3.34"), Decimal("3.33")]
    assert sum(amounts) == Decimal("10.00")


def test_free_amount_is_split_over_the_rates_in_proportion():
    # Given an order with 19% goods (119.00) and 7% goods (107.00), no shipping
    order = captured_order(lines=(("119.00", 1),), shipping="0.00")
    order.tax_breakdown = [
        {"rate": "7.00", "net": "100.00", "tax": "7.00"},
        {"rate": "19.00", "net": "100.00", "tax": "19.00"},
    ]
    order.save(update_fields=["tax_breakdown"])

    # When 10.00 is refunded as a free amount
    refund = request_refund(
        order.number, amount=Decimal("10.00"), reason="Late delivery", actor="staff"
    )

    # Then it is split 107:119 over the rates, the last rate taking the remainder
    assert refund.amount == Decimal("10.00")
    assert refund.tax_breakdown == [
        {"rate": "7.00", "net": "4.42", "tax": "0.31"},
        {"rate": "19.00", "net": "4.43", "tax": "0.84"},
    ]
    assert refund.net + refund.tax == Decimal("10.00")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"amount": Decimal("0")}, "invalid_amount"),
        ({"amount": Decimal("-5")}, "invalid_amount"),
        ({"amount": Decimal("1.001")}, "invalid_amount"),
        ({"amount": Decimal("5"), "reason": ""}, "reason_required"),
        ({"lines": {"line": 0}}, "invalid_quantity"),
        ({"lines": {"line": -1}}, "invalid_quantity"),
        ({"lines": {"line": 3}}, "invalid_quantity"),
        ({"lines": {999999: 1}}, "invalid_line"),
        ({}, "invalid_amount"),
        ({"amount": Decimal("28.71")}, "over_refund"),
    ],
)
def test_bad_input_is_refused_with_a_code_and_changes_nothing(kwargs, code):
    # Given a captured, delivered order of 2 x 11.90 + 4.90 shipping (28.70)
    order = captured_order()
    line = order.lines.get()
    if "lines" in kwargs:
        kwargs["lines"] = {
            (line.pk if key == "line" else key): qty for key, qty in kwargs["lines"].items()
        }
    kwargs.setdefault("reason", "Because")
    before = row_counts()

    # When the refund is asked for / Then it is refused with the code, nothing written
    with pytest.raises(RefundRefused) as refused:
        request_refund(order.number, actor="staff", **kwargs)
    assert refused.value.code == code
    assert row_counts() == before
    assert Refund.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "capture", "code"),
    [
        ("shipped", True, "not_refundable_yet"),
        ("authorized", False, "not_captured"),
        ("cancelled", False, "not_captured"),
    ],
)
def test_orders_not_delivered_or_never_captured_are_refused(status, capture, code):
    # Given an order in ``status``, captured or not
    order = captured_order(status=status, capture=capture)

    # When a refund is asked for / Then it is refused with the code
    with pytest.raises(RefundRefused) as refused:
        request_refund(order.number, amount=Decimal("1.00"), reason="x", actor="staff")
    assert refused.value.code == code


def test_a_refund_for_a_return_is_made_once():
    # Given a delivered order
    order = captured_order()
    line = order.lines.get()

    # When the returns module asks twice for the same return
    first = request_refund(
        order.number, lines={line.pk: 1}, reason="Returned", actor="returns", return_number="RET-1"
    )
    second = request_refund(
        order.number, lines={line.pk: 1}, reason="Returned", actor="returns", return_number="RET-1"
    )

    # Then there is one refund
    assert first.pk == second.pk
    assert Refund.objects.filter(order=order).count() == 1


def test_a_refusal_by_the_provider_marks_the_refund_failed_and_alerts_staff(settings):
    # Given a requested refund whose capture the provider no longer knows
    order = captured_order()
    refund = request_refund(order.number, amount=Decimal("5.00"), reason="x", actor="staff")
    Payment.objects.filter(order=order, kind="capture").update(gateway_reference="ca_gone")

    # When it is executed
    result = services.execute_refund(refund.number)

    # Then it failed, the order is unchanged, staff were told, and it no longer counts
    assert result.status == "failed"
    assert "not_found" in result.failure_reason
    order.refresh_from_db()
    assert order.status == "completed"
    assert [m.to for m in mail.outbox] == [list(settings.SHOP_STAFF_EMAILS)]
    assert services.send_refund_email(refund.number) is False
