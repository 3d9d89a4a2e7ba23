"""What a refund gives back, computed from the order's stored amounts (no I/O but reads).

- An order line's units: its ``gross_amount`` (what the customer paid for it, discount taken
  off) and ``tax_amount`` shared per unit, ``ROUND_HALF_UP`` to the cent, counted cumulatively
  (units 1..n cost round(n x per unit)), so the refund of a line's last units takes the
  remainder and all refunds of a line add up to exactly what was paid for it.
- Shipping: ``Order.shipping_cost`` (gross) with ``shipping_net`` / ``shipping_tax``, once.
- A free amount: split over the order's tax rates in proportion to ``Order.tax_breakdown``
  (the stored amounts of lines and shipping), rounded half up, the last rate taking the
  remainder.

Orders from before taxes (and lines whose stored amounts are all zero) count as untaxed:
gross = net = unit price x quantity - discount.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from orders.models import Order, OrderLine

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Part:
    """One piece of a refund: some units of a line, the shipping, or a free amount at a rate."""

    kind: str  # line | shipping | amount
    description: str
    quantity: int
    rate: Decimal
    net: Decimal
    tax: Decimal
    order_line: OrderLine | None = None

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


@dataclass
class Computed:
    parts: list[Part] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return sum((p.gross for p in self.parts), ZERO)

    @property
    def net(self) -> Decimal:
        return sum((p.net for p in self.parts), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((p.tax for p in self.parts), ZERO)

    def breakdown(self) -> list[dict[str, str]]:
        """Net and tax per rate, as the order's ``tax_breakdown`` writes them (strings)."""
        rates: dict[Decimal, list[Decimal]] = {}
        for part in self.parts:
            net_tax = rates.setdefault(part.rate.quantize(CENT), [ZERO, ZERO])
            net_tax[0] += part.net
            net_tax[1] += part.tax
        return [
            {"rate": str(rate), "net": str(net), "tax": str(tax)}
            for rate, (net, tax) in sorted(rates.items())
        ]


def line_amounts(line: OrderLine) -> tuple[Decimal, Decimal]:
    """(gross, tax) paid for the whole line."""
    if line.gross_amount == ZERO and line.net_amount == ZERO and line.tax_amount == ZERO:
        return line.unit_price * line.quantity - line.discount_amount, ZERO  # before taxes
    return line.gross_amount, line.tax_amount


def line_part(line: OrderLine, quantity: int, refunded_before: int) -> Part:
    """``quantity`` units of ``line`` when ``refunded_before`` units were given back already."""
    gross_total, tax_total = line_amounts(line)
    upto, before = refunded_before + quantity, refunded_before
    # Cumulative rounding: the refunds of a line add up to exactly what was paid for it.
    gross = cents(gross_total * upto / line.quantity) - cents(gross_total * before / line.quantity)
    tax = cents(tax_total * upto / line.quantity) - cents(tax_total * before / line.quantity)
    return Part("line", line.name, quantity, line.tax_rate, gross - tax, tax, line)


def shipping_part(order: Order) -> Part:
    net, tax = order.shipping_net, order.shipping_tax
    if net + tax != order.shipping_cost:  # before taxes: all of it untaxed
        net, tax = order.shipping_cost, ZERO
    return Part("shipping", "Shipping", 1, order.shipping_tax_rate, net, tax)


def amount_parts(order: Order, amount: Decimal, description: str) -> list[Part]:
    """``amount`` (gross) split over the order's tax rates in proportion to their gross."""
    rows = [
        (Decimal(row["rate"]), Decimal(row["net"]) + Decimal(row["tax"]))
        for row in order.tax_breakdown or []
    ]
    rows = [(rate, gross) for rate, gross in rows if gross > 0]
    total = sum((gross for _rate, gross in rows), ZERO)
    if not rows or total <= 0:
        return [Part("amount", description, 1, ZERO, amount, ZERO)]
    parts, left = [], amount
    for index, (rate, gross) in enumerate(rows):
        share = left if index == len(rows) - 1 else cents(amount * gross / total)
        left -= share
        tax = cents(share * rate / (Decimal(100) + rate))
        parts.append(Part("amount", description, 1, rate, share - tax, tax))
    return [p for p in parts if p.gross != ZERO]
