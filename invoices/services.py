"""Invoices and credit notes: issued once each, numbered without gaps, stored with their PDF.

- ``issue_invoice(order_number)``: the order's invoice, made once its money was taken (a
  succeeded capture, or a charge for orders from before authorizing first). Idempotent: a
  retried activity gets the same number back.
- ``issue_credit_note(order_number, reference, lines, reason)``: one credit note per refund
  (``reference`` is the refund's number), in its own number series, correcting the invoice
  (issued first if the order has none yet). Idempotent by ``reference``.
- ``invoice_attachment`` / ``credit_note_attachment``: (filename, PDF bytes, mimetype) for an
  email, or None.

How the numbers stay gap-free: the order's row lock (``shop.locks.locked_order``) makes a
second attempt for the same order wait and then find the first's document; the series' counter
row (``shop.locks.document_counter``) is locked last, incremented, and the document with its
PDF is written in the same transaction. Nothing after the increment can fail for business
reasons (all checks come before), and if the transaction fails anyway the increment rolls back
with it. Numbers: ``2026-000123`` (invoices), ``CN-2026-000007`` (credit notes).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from invoices import content as build
from invoices import pdf
from invoices.models import CreditNote, DocumentCounter, Invoice
from invoices.types import CreditLine
from orders.errors import InvalidOrder
from orders.models import Order
from shop import locks

PDF = "application/pdf"
Series = DocumentCounter.Series


def issue_invoice(order_number: str) -> str:
    """Issue ``order_number``'s invoice once and return its number. ``InvalidOrder`` (not
    retryable) if the order doesn't exist, its money was not taken, or its stored amounts don't
    add up to what was taken: then no number is used."""
    with locks.locked_order(order_number) as order:
        return _invoice(order).number


def issue_credit_note(
    order_number: str, reference: str, lines: list[CreditLine], reason: str = ""
) -> str:
    """Issue the credit note of the refund ``reference`` once and return its number (a
    repeated call returns the first one's, whatever its lines). ``InvalidOrder`` for bad
    lines, for crediting more than the invoice minus earlier credit notes, or for a reference
    already used by another order."""
    if not reference:
        raise InvalidOrder(f"Order {order_number}: a credit note needs the refund's number.")
    with locks.locked_order(order_number) as order:
        existing = CreditNote.objects.filter(reference=reference).defer("pdf").first()
        if existing is not None:
            if existing.order_id != order.pk:
                raise InvalidOrder(f"Credit note {reference} belongs to another order.")
            return existing.number
        data = build.credit_note_content(order, lines)  # checked before any number
        invoice = _invoice(order)
        credited = CreditNote.objects.filter(invoice=invoice).aggregate(t=Sum("total"))["t"]
        left = (invoice.total - (credited or 0)).quantize(Decimal("0.01"))
        if data.total > left:
            raise InvalidOrder(
                f"Order {order_number}: crediting {data.total} exceeds the {left} left on "
                f"invoice {invoice.number}."
            )
        issued_at = timezone.now()
        year = timezone.localdate(issued_at).year
        sequence = _next(Series.CREDIT_NOTE, year)
        number = f"CN-{year}-{sequence:06d}"
        heading = pdf.Heading(
            pdf.CREDIT_NOTE,
            number,
            timezone.localdate(issued_at),
            invoice_number=invoice.number,
            invoice_date=timezone.localdate(invoice.issued_at),
        )
        note = CreditNote.objects.create(
            order=order,
            invoice=invoice,
            reference=reference,
            reason=reason,
            **_fields(data, number, year, sequence, issued_at),
            pdf=pdf.render(data, heading),
        )
        return note.number


def invoice_attachment(order_number: str) -> tuple[str, bytes, str] | None:
    """The order's invoice for an email, or None while it has none."""
    invoice = Invoice.objects.filter(order__number=order_number).first()
    return None if invoice is None else (invoice.filename, bytes(invoice.pdf), PDF)


def credit_note_attachment(reference: str) -> tuple[str, bytes, str] | None:
    """The credit note of the refund ``reference`` for an email, or None."""
    note = CreditNote.objects.filter(reference=reference).first()
    return None if note is None else (note.filename, bytes(note.pdf), PDF)


def _invoice(order: Order) -> Invoice:
    """The locked order's invoice, issued now if it has none."""
    existing = Invoice.objects.filter(order=order).defer("pdf").first()
    if existing is not None:
        return existing
    payment = build.money_taken(order)
    data = build.invoice_content(order, payment)  # every check before a number is taken
    issued_at = timezone.now()
    year = timezone.localdate(issued_at).year
    sequence = _next(Series.INVOICE, year)
    number = f"{year}-{sequence:06d}"
    heading = pdf.Heading(pdf.INVOICE, number, timezone.localdate(issued_at))
    return Invoice.objects.create(
        order=order,
        **_fields(data, number, year, sequence, issued_at),
        pdf=pdf.render(data, heading),
    )


def _next(series: str, year: int) -> int:
    """Take the next number of ``series`` in ``year`` (the counter stays locked until the
    caller's transaction ends, so keep what follows short)."""
    counter = locks.document_counter(series, year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _fields(data: build.Content, number: str, year: int, sequence: int, issued_at) -> dict:
    return {
        "number": number,
        "year": year,
        "sequence": sequence,
        "issued_at": issued_at,
        "currency": data.currency,
        "net_total": data.net_total,
        "tax_total": data.tax_total,
        "total": data.total,
        "tax_breakdown": [row.as_json() for row in data.tax_rows],
        "lines": [line.as_json() for line in data.lines],
    }
