"""The read side of invoices: an order's documents, without their PDF bytes unless asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Value

from invoices.models import CreditNote, Invoice
from orders.models import Order
from orders.status import OrderStatus

S = OrderStatus
# An invoice exists only once the money was taken (capture at shipment, or the old charge);
# credit notes only once a refund was made (after delivery). Other orders cost no query.
INVOICED = frozenset(
    {S.PAID, S.SHIPPED, S.IN_TRANSIT, S.DELIVERED, S.COMPLETED, S.PARTIALLY_REFUNDED, S.REFUNDED}
)
CREDITED = frozenset({S.COMPLETED, S.PARTIALLY_REFUNDED, S.REFUNDED})
_LISTED = ("number", "issued_at", "total", "currency")


@dataclass(frozen=True)
class Listed:
    number: str
    issued_at: datetime
    total: Decimal
    currency: str


@dataclass(frozen=True)
class OrderDocuments:
    invoice: Listed | None = None
    credit_notes: list[Listed] = field(default_factory=list)


def order_documents(order: Order) -> OrderDocuments:
    """The order's invoice and credit notes for its page: one query (a UNION), none for an
    order that can't have any yet."""
    if order.status not in INVOICED:
        return OrderDocuments()
    rows = Invoice.objects.filter(order=order).order_by().values_list(Value("invoice"), *_LISTED)
    if order.status in CREDITED:
        notes = CreditNote.objects.filter(order=order).order_by()
        rows = rows.union(notes.values_list(Value("credit"), *_LISTED), all=True)
        rows = rows.order_by("issued_at", "number")
    invoice, notes = None, []
    for kind, *values in rows:
        if kind == "invoice":
            invoice = Listed(*values)
        else:
            notes.append(Listed(*values))
    return OrderDocuments(invoice, notes)


def invoice_of(order: Order) -> Invoice | None:
    """The order's invoice with its PDF, or None while it has none."""
    return Invoice.objects.filter(order=order).first()


def credit_note_of(order: Order, number: str) -> CreditNote | None:
    """The order's credit note ``number`` with its PDF, or None."""
    return CreditNote.objects.filter(order=order, number=number).first()
