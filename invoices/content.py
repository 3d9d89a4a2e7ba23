"""What an invoice or a credit note says, as plain data: built from the order's stored amounts
(filled at checkout, docs/TAXES.md) or from a refund's ``CreditLine``s, then printed by
``invoices.pdf`` and kept beside the PDF as JSON. Nothing here is recomputed from the catalog.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from invoices.types import CreditLine
from orders.errors import InvalidOrder
from orders.models import Order, Payment

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Party:
    name: str
    address: list[str]
    details: list[str] = field(default_factory=list)  # email
    vat_id: str = ""


@dataclass(frozen=True)
class PrintedLine:
    description: str
    sku: str
    quantity: int
    unit_price: Decimal | None  # as entered in the catalog; None on credit notes
    discount: Decimal
    tax_rate: Decimal  # percent
    net: Decimal
    tax: Decimal
    gross: Decimal

    def as_json(self) -> dict[str, str | int | None]:
        data = asdict(self)
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in data.items()}


@dataclass(frozen=True)
class TaxRow:
    rate: Decimal
    net: Decimal
    tax: Decimal

    def as_json(self) -> dict[str, str]:
        return {"rate": str(self.rate), "net": str(self.net), "tax": str(self.tax)}


@dataclass(frozen=True)
class Content:
    """One document's words and numbers, before it has a number."""

    order_number: str
    order_date: date
    currency: str
    language: str
    seller: Party
    buyer: Party
    lines: list[PrintedLine]
    tax_rows: list[TaxRow]
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    paid_on: date | None = None
    card: str = ""  # "visa 4242": brand and last digits of the card charged
    shipped_on: date | None = None
    voucher_code: str = ""
    discount_total: Decimal = ZERO


def seller() -> Party:
    details = [settings.SHOP_SELLER_EMAIL] if settings.SHOP_SELLER_EMAIL else []
    return Party(
        settings.SHOP_SELLER_NAME,
        list(settings.SHOP_SELLER_ADDRESS),
        details,
        vat_id=settings.SHOP_SELLER_VAT_ID,
    )


def buyer(order: Order) -> Party:
    """The shipping address (the shop asks for no other), country named in the order's
    language; the email the order was placed with."""
    with translation.override(order.language or settings.LANGUAGE_CODE):
        address = order.shipping_address_lines()
    return Party(address[0], address[1:], [order.email])


def money_taken(order: Order) -> Payment:
    """The capture (or, for orders from before authorizing first, the charge) that makes the
    order invoiceable; ``InvalidOrder`` when there is none: no number for money not taken."""
    payment = (
        Payment.objects.filter(
            order=order,
            kind__in=(Payment.Kind.CAPTURE, Payment.Kind.CHARGE),
            status=Payment.Status.SUCCEEDED,
        )
        .order_by("pk")
        .first()
    )
    if payment is None:
        raise InvalidOrder(f"Order {order.number} has no captured payment: no invoice yet.")
    return payment


def invoice_content(order: Order, payment: Payment) -> Content:
    """The invoice of ``order``: its lines and shipping as paid, its tax per rate and totals.
    ``InvalidOrder`` if the stored amounts don't add up to what was captured."""
    lines = [
        PrintedLine(
            description=line.name,
            sku=line.sku,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount_amount,
            tax_rate=line.tax_rate,
            net=line.net_amount,
            tax=line.tax_amount,
            gross=line.gross_amount,
        )
        for line in order.lines.order_by("pk")
    ]
    if order.shipping_cost:
        method = settings.SHIPPING_METHODS.get(order.shipping_method, {})
        with translation.override(order.language or settings.LANGUAGE_CODE):
            shipping = _("Shipping: %(method)s") % {
                "method": method.get("label", order.shipping_method)
            }
        lines.append(
            PrintedLine(
                description=shipping,
                sku="",
                quantity=1,
                unit_price=order.shipping_cost,
                discount=ZERO,
                tax_rate=order.shipping_tax_rate,
                net=order.shipping_net,
                tax=order.shipping_tax,
                gross=order.shipping_cost,
            )
        )
    paid = sum((line.gross for line in lines), ZERO)
    if paid != order.total or order.net_total + order.tax_total != order.total:
        raise InvalidOrder(
            f"Order {order.number}: lines and shipping ({paid}) or net + tax "
            f"({order.net_total} + {order.tax_total}) don't make the total {order.total}."
        )
    if payment.amount != order.total:
        raise InvalidOrder(
            f"Order {order.number}: captured {payment.amount}, but the total is {order.total}."
        )
    rows = [
        TaxRow(Decimal(row["rate"]), Decimal(row["net"]), Decimal(row["tax"]))
        for row in order.tax_breakdown or []
    ] or tax_rows(lines)
    shipment = getattr(order, "shipment", None)  # reverse one-to-one: None when missing
    return Content(
        order_number=order.number,
        order_date=timezone.localdate(order.created_at),
        currency=order.currency,
        language=order.language or settings.LANGUAGE_CODE,
        seller=seller(),
        buyer=buyer(order),
        lines=lines,
        tax_rows=rows,
        net_total=order.net_total,
        tax_total=order.tax_total,
        total=order.total,
        paid_on=timezone.localdate(payment.created_at),
        card=" ".join(p for p in (payment.card_brand, payment.card_last4) if p),
        shipped_on=timezone.localdate(shipment.created_at) if shipment is not None else None,
        voucher_code=order.voucher_code,
        discount_total=order.discount_total,
    )


def credit_note_content(order: Order, lines: list[CreditLine]) -> Content:
    """The credit note for refunded ``lines`` (positive amounts: what is given back).
    ``InvalidOrder`` for no lines, negative amounts or a line whose net + tax isn't its
    gross."""
    if not lines:
        raise InvalidOrder(f"Order {order.number}: a credit note needs at least one line.")
    printed = []
    for line in lines:
        amounts = (line.net, line.tax, line.gross, line.tax_rate)
        if line.quantity < 1 or any(a < 0 for a in amounts) or line.net + line.tax != line.gross:
            raise InvalidOrder(f"Order {order.number}: credit line {line!r} doesn't add up.")
        printed.append(
            PrintedLine(
                description=line.description,
                sku="",
                quantity=line.quantity,
                unit_price=None,
                discount=ZERO,
                tax_rate=line.tax_rate,
                net=line.net,
                tax=line.tax,
                gross=line.gross,
            )
        )
    total = sum((line.gross for line in printed), ZERO)
    if total <= 0:
        raise InvalidOrder(f"Order {order.number}: a credit note must credit something.")
    return Content(
        order_number=order.number,
        order_date=timezone.localdate(order.created_at),
        currency=order.currency,
        language=order.language or settings.LANGUAGE_CODE,
        seller=seller(),
        buyer=buyer(order),
        lines=printed,
        tax_rows=tax_rows(printed),
        net_total=sum((line.net for line in printed), ZERO),
        tax_total=sum((line.tax for line in printed), ZERO),
        total=total,
    )


def tax_rows(lines: list[PrintedLine]) -> list[TaxRow]:
    """Net and tax per rate, summed from the lines (their rounding is already done)."""
    net: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    tax: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        net[line.tax_rate] += line.net
        tax[line.tax_rate] += line.tax
    return [TaxRow(rate, net[rate], tax[rate]) for rate in sorted(net, reverse=True)]
