"""Invoice and credit-note numbers: sequential per year, issued once, never used by an order
whose invoice could not be issued (SQLite; the concurrent cases are in test_concurrency.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from invoices import services
from invoices.models import CreditNote, DocumentCounter, Invoice
from invoices.types import CreditLine
from orders.errors import InvalidOrder
from tests.factories import PaymentFactory
from tests.invoices.factories import capture, captured_order, taxed_order

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def counter(series: str = "invoice") -> int:
    row = DocumentCounter.objects.filter(series=series, year=YEAR).first()
    return row.last_number if row else 0


def refund_line(gross: str = "11.90", rate: str = "19.00", net: str = "10.00") -> CreditLine:
    gross_d, net_d = Decimal(gross), Decimal(net)
    return CreditLine("Blue Mug", 1, net_d, Decimal(rate), gross_d - net_d, gross_d)


def test_invoices_are_numbered_in_sequence_within_the_year():
    # given three orders whose payment was captured
    orders = [captured_order() for _ in range(3)]

    # when their invoices are issued one after another
    numbers = [services.issue_invoice(order.number) for order in orders]

    # then they are numbered 1, 2, 3 of this year, and the counter says 3
    assert numbers == [f"{YEAR}-000001", f"{YEAR}-000002", f"{YEAR}-000003"]
    assert counter() == 3
    assert list(Invoice.objects.values_list("order__number", "year", "sequence")) == [
        (order.number, YEAR, i) for i, order in enumerate(orders, start=1)
    ]


def test_issuing_twice_returns_the_first_invoice_and_takes_no_second_number():
    # given an order whose invoice was issued
    order = captured_order()
    first = services.issue_invoice(order.number)

    # when it is issued again (a retried activity)
    second = services.issue_invoice(order.number)

    # then the same invoice comes back: one row, one number taken
    assert first == second == f"{YEAR}-000001"
    assert Invoice.objects.count() == 1
    assert counter() == 1


@pytest.mark.parametrize(
    "payments",
    [
        [],  # nothing paid yet
        [("authorization", "succeeded")],  # authorized only: the parcel hasn't shipped
        [("authorization", "succeeded"), ("capture", "failed")],
        [("authorization", "succeeded"), ("void", "succeeded")],
    ],
)
def test_no_invoice_and_no_number_without_captured_money(payments):
    # given an order whose money was not taken
    order = taxed_order()
    for kind, status in payments:
        PaymentFactory(order=order, kind=kind, status=status)

    # when its invoice is asked for
    with pytest.raises(InvalidOrder, match="no captured payment"):
        services.issue_invoice(order.number)

    # then nothing is written and the next invoice still gets number 1
    assert Invoice.objects.count() == 0
    assert services.issue_invoice(captured_order().number) == f"{YEAR}-000001"


def test_an_order_charged_before_authorizing_first_gets_its_invoice():
    # given an order from before authorize-then-capture: charged at once
    order = taxed_order()
    capture(order, kind="charge")

    # when its invoice is issued / then it is numbered like any other
    assert services.issue_invoice(order.number) == f"{YEAR}-000001"


def test_amounts_that_dont_add_up_refuse_the_invoice_and_use_no_number():
    # given a captured order whose stored total differs from its lines and shipping
    order = captured_order()
    type(order).objects.filter(pk=order.pk).update(total=order.total + Decimal("1.00"))

    # when its invoice is asked for / then it is refused, nothing written, no number used
    with pytest.raises(InvalidOrder, match="don't make the total"):
        services.issue_invoice(order.number)
    assert Invoice.objects.count() == 0
    assert counter() == 0


def test_an_unknown_order_is_refused():
    # given no such order / when its invoice is asked for / then InvalidOrder
    with pytest.raises(InvalidOrder, match="does not exist"):
        services.issue_invoice("NOPE")


def test_a_rolled_back_issue_gives_its_number_back():
    # given an invoice issued inside a transaction that then fails
    doomed = captured_order()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert services.issue_invoice(doomed.number) == f"{YEAR}-000001"
        raise RuntimeError("the caller's transaction fails after the invoice")

    # when the next order's invoice is issued
    number = services.issue_invoice(captured_order().number)

    # then it gets number 1 again: no gap, the failed order has no invoice
    assert number == f"{YEAR}-000001"
    assert not Invoice.objects.filter(order=doomed).exists()


def test_each_year_has_its_own_series():
    # given last year's series ended at 41
    DocumentCounter.objects.create(series="invoice", year=YEAR - 1, last_number=41)

    # when this year's first invoice is issued
    number = services.issue_invoice(captured_order().number)

    # then it is number 1 of this year, and last year's counter is untouched
    assert number == f"{YEAR}-000001"
    assert DocumentCounter.objects.get(series="invoice", year=YEAR - 1).last_number == 41


def test_credit_notes_have_their_own_series_and_reference_the_invoice():
    # given an invoiced order
    order = captured_order()
    invoice = services.issue_invoice(order.number)

    # when two refunds of it get their credit notes
    first = services.issue_credit_note(order.number, f"{order.number}-R1", [refund_line()])
    second = services.issue_credit_note(
        order.number, f"{order.number}-R2", [refund_line("4.90", net="4.12")], reason="Damaged"
    )

    # then they are numbered in the credit-note series, each pointing at the invoice
    assert (invoice, first, second) == (
        f"{YEAR}-000001",
        f"CN-{YEAR}-000001",
        f"CN-{YEAR}-000002",
    )
    assert counter("invoice") == 1
    assert counter("credit_note") == 2
    notes = CreditNote.objects.order_by("pk")
    assert [(n.invoice.number, n.reference, n.total, n.net_total, n.tax_total) for n in notes] == [
        (invoice, f"{order.number}-R1", Decimal("11.90"), Decimal("10.00"), Decimal("1.90")),
        (invoice, f"{order.number}-R2", Decimal("4.90"), Decimal("4.12"), Decimal("0.78")),
    ]
    assert notes[1].reason == "Damaged"
    assert notes[0].tax_breakdown == [{"rate": "19.00", "net": "10.00", "tax": "1.90"}]


def test_a_credit_note_is_issued_once_per_refund():
    # given a refund's credit note
    order = captured_order()
    first = services.issue_credit_note(order.number, "R-1", [refund_line()])

    # when it is asked for again (a retried activity), even with other lines
    again = services.issue_credit_note(order.number, "R-1", [refund_line("4.90", net="4.12")])

    # then the first one comes back: one credit note, one number taken
    assert again == first == f"CN-{YEAR}-000001"
    assert CreditNote.objects.count() == 1
    assert counter("credit_note") == 1


def test_a_credit_note_for_an_order_without_invoice_issues_the_invoice_first():
    # given a captured order whose invoice step has not run
    order = captured_order()

    # when a refund's credit note is issued
    number = services.issue_credit_note(order.number, "R-1", [refund_line()])

    # then the invoice was issued first and the credit note corrects it
    assert number == f"CN-{YEAR}-000001"
    assert CreditNote.objects.get().invoice.number == f"{YEAR}-000001"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "at least one line"),
        (
            [CreditLine("x", 1, Decimal("1.00"), Decimal("19"), Decimal("0.19"), Decimal("1.20"))],
            "doesn't add up",
        ),
        (
            [CreditLine("x", 0, Decimal("1.00"), Decimal("0"), Decimal("0"), Decimal("1.00"))],
            "doesn't add up",
        ),
        (
            [CreditLine("x", 1, Decimal("-1.00"), Decimal("0"), Decimal("0"), Decimal("-1.00"))],
            "doesn't add up",
        ),
        (
            [CreditLine("x", 1, Decimal("0"), Decimal("0"), Decimal("0"), Decimal("0"))],
            "must credit something",
        ),
    ],
)
def test_bad_credit_lines_are_refused_without_using_a_number(lines, message):
    # given an invoiced order
    order = captured_order()
    services.issue_invoice(order.number)

    # when a credit note with bad lines is asked for / then it is refused, nothing written
    with pytest.raises(InvalidOrder, match=message):
        services.issue_credit_note(order.number, "R-1", lines)
    assert CreditNote.objects.count() == 0
    assert counter("credit_note") == 0


def test_crediting_more_than_the_invoice_is_refused():
    # given an order of 51.30 of which 11.90 was credited
    order = captured_order()
    assert order.total == Decimal("51.30")
    services.issue_credit_note(order.number, "R-1", [refund_line()])

    # when a credit note for the remaining 39.40 plus a cent is asked for
    too_much = CreditLine(
        "All", 1, Decimal("33.12"), Decimal("19.00"), Decimal("6.29"), Decimal("39.41")
    )
    with pytest.raises(InvalidOrder, match="exceeds the 39.40 left"):
        services.issue_credit_note(order.number, "R-2", [too_much])

    # then only the first credit note exists
    assert list(CreditNote.objects.values_list("reference", flat=True)) == ["R-1"]


def test_a_refund_number_used_by_another_order_is_refused():
    # given order A's refund R-1 with its credit note
    a, b = captured_order(), captured_order()
    services.issue_credit_note(a.number, "R-1", [refund_line()])

    # when order B asks for a credit note under the same reference / then it is refused
    with pytest.raises(InvalidOrder, match="belongs to another order"):
        services.issue_credit_note(b.number, "R-1", [refund_line()])


def test_attachments_are_the_stored_pdfs():
    # given an order with an invoice and a credit note, and one without either
    order = captured_order()
    services.issue_credit_note(order.number, "R-1", [refund_line()])
    bare = captured_order()

    # when the attachments are asked for
    invoice = services.invoice_attachment(order.number)
    note = services.credit_note_attachment("R-1")

    # then they are the stored PDFs under their numbers' names, or None
    assert invoice == (
        f"invoice-{YEAR}-000001.pdf",
        bytes(Invoice.objects.get().pdf),
        "application/pdf",
    )
    assert note == (
        f"credit-note-CN-{YEAR}-000001.pdf",
        bytes(CreditNote.objects.get().pdf),
        "application/pdf",
    )
    assert invoice[1].startswith(b"%PDF-")
    assert services.invoice_attachment(bare.number) is None
    assert services.credit_note_attachment("R-404") is None
