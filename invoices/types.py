"""Payloads of the invoices API (used by the refunds helper: no Django model in them)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CreditLine:
    """One refunded item (or "Shipping", or a free amount) on a credit note; positive amounts,
    the credit note shows them as credited."""

    description: str
    quantity: int
    net: Decimal
    tax_rate: Decimal  # percent
    tax: Decimal
    gross: Decimal
