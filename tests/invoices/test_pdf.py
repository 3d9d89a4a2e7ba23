"""The invoice and credit-note PDFs, read back with a PDF text extractor (pypdf): they open,
and carry the number, the parties, the lines, the tax per rate and the totals, each amount as
``shop.money.format_money`` writes it in the order's language."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from pypdf import PdfReader

from invoices import services
from invoices.models import CreditNote, Invoice
from invoices.types import CreditLine
from tests.factories import ShipmentFactory
from tests.invoices.factories import captured_order

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
NBSP = "\u00a0"


def pdf_text(data: bytes) -> tuple[int, str]:
    """(pages, text) of a PDF, whitespace runs (NBSP included) collapsed to one space."""
    reader = PdfReader(BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.replace(NBSP, " ").split())


def test_the_invoice_pdf_has_number_parties_lines_tax_per_rate_and_totals():
    # given a captured, shipped English order: 2 mugs at 12.50 (19% VAT), a book at 21.40
    # (7%), standard shipping 4.90 (19%)
    order = captured_order(email="grace@example.com")
    ShipmentFactory(order=order)
    mug, book = order.lines.order_by("pk")

    # when its invoice is issued and read back
    number = services.issue_invoice(order.number)
    data = bytes(Invoice.objects.get().pdf)
    pages, text = pdf_text(data)

    # then the PDF opens: one page, titled with the number
    assert data.startswith(b"%PDF-")
    assert pages == 1
    assert PdfReader(BytesIO(data)).metadata.title == f"Invoice {number}"
    assert f"Invoice {number}" in text
    # and it names the seller (from settings) and the buyer (the order's address)
    for part in (
        "Seller Temporal Shop GmbH Beispielstraße 1 10115 Berlin Germany billing@example.com "
        "VAT ID DE123456789",
        "Bill to Grace Hopper 2 Compiler Road 22201 Arlington United States of America "
        "grace@example.com",
        f"Order {order.number}",
        "Amtsgericht Charlottenburg HRB 1",
    ):
        assert part in text, part
    # and each line: name, item number, quantity, unit price, VAT rate, net, total
    assert f"{mug.name} {mug.sku} 2 €12.50 19 % €21.01 €25.00" in text
    assert f"{book.name} {book.sku} 1 €21.40 7 % €20.00 €21.40" in text
    assert "Shipping: Standard (3-5 business days) 1 €4.90 19 % €4.12 €4.90" in text
    # and the tax per rate (lines and shipping) and the totals
    assert "Net total €45.13 VAT 19 % on €25.13 €4.77 VAT 7 % on €20.00 €1.40 Total €51.30" in text
    assert "Paid on" in text and "by card (visa 4242)" in text


def test_a_german_order_gets_a_german_invoice_with_german_amounts():
    # given a captured order placed in German, with a 5.00 voucher on the mugs
    order = captured_order(language="de", voucher_code="SAVE5", discounts=["5.00", "0.00"])
    mug = order.lines.order_by("pk").first()

    # when its invoice is issued and read back
    number = services.issue_invoice(order.number)
    _pages, text = pdf_text(bytes(Invoice.objects.get().pdf))

    # then the words and amounts are German, the discount shown on its line
    assert f"Rechnung {number}" in text
    assert "Vereinigte Staaten von Amerika" in text
    assert f"{mug.name} {mug.sku} 2 12,50 € -5,00 € 19 % 16,81 € 20,00 €" in text
    assert "Nettobetrag 40,93 € USt. 19 % auf 20,93 € 3,97 € USt. 7 % auf 20,00 € 1,40 €" in text
    assert "USt. 7 % auf 20,00 € 1,40 € Gesamt 46,30 €" in text
    assert "Gutschein SAVE5: -5,00 €" in text


def test_the_credit_note_pdf_credits_the_refunded_lines_and_names_the_invoice():
    # given an invoiced order and a refund of one mug and the shipping
    order = captured_order()
    invoice = services.issue_invoice(order.number)
    lines = [
        CreditLine(
            "Blue Mug", 1, Decimal("10.50"), Decimal("19.00"), Decimal("2.00"), Decimal("12.50")
        ),
        CreditLine(
            "Shipping", 1, Decimal("4.12"), Decimal("19.00"), Decimal("0.78"), Decimal("4.90")
        ),
    ]

    # when the refund's credit note is issued and read back
    number = services.issue_credit_note(order.number, "R-1", lines, reason="Arrived broken")
    pages, text = pdf_text(bytes(CreditNote.objects.get().pdf))

    # then it opens, has its own number, corrects the invoice and credits negative amounts
    assert pages == 1
    assert number == f"CN-{YEAR}-000001"
    assert f"Credit note {number}" in text
    assert f"Corrects invoice {invoice}" in text
    assert "Blue Mug 1 19 % -€10.50 -€12.50" in text
    assert "Shipping 1 19 % -€4.12 -€4.90" in text
    assert "Net total -€14.62 VAT 19 % on -€14.62 -€2.78 Total credited -€17.40" in text
    # and the reason (staff's words) is kept on the row but not printed
    assert CreditNote.objects.get().reason == "Arrived broken"
    assert "Arrived broken" not in text


def test_markup_in_names_is_printed_as_text():
    # given an order whose product name and address look like markup
    order = captured_order(
        items=[("<b>Mugs & Co</b>", "10.00", 1, "19.00")], ship_full_name="Bobby <i>Tables</i>"
    )

    # when its invoice is issued / then the names are printed as they are
    services.issue_invoice(order.number)
    _pages, text = pdf_text(bytes(Invoice.objects.get().pdf))
    assert "<b>Mugs & Co</b>" in text
    assert "Bobby <i>Tables</i>" in text


def test_a_long_order_runs_over_several_pages_with_every_line_and_the_total():
    # given an order of 60 lines of 1.19 each
    order = captured_order(items=[(f"Item {i}", "1.19", 1, "19.00") for i in range(60)])

    # when its invoice is issued and read back
    services.issue_invoice(order.number)
    pages, text = pdf_text(bytes(Invoice.objects.get().pdf))

    # then it has several numbered pages, all 60 lines, and the total at the end
    assert pages >= 2
    assert "Page 2" in text
    assert all(f"Item {i} " in text for i in range(60))
    assert text.rindex("Total €76.30") > text.rindex("Item 59")
