"""VAT and discount arithmetic: pure functions on ``Decimal`` (no database), used by the cart
summary and by ``place_order`` alike, so what the shopper reviews is what is stored.

The rules (docs/TAXES.md):

- Amounts are "as entered": gross (VAT included) when ``PRICES_INCLUDE_TAX``, else net.
- A voucher's discount is an amount as entered, shared over the lines in proportion to their
  amounts (largest remainder: the shares add up to the discount exactly, none exceeds its line).
- Each line is rounded once, to the cent, ``ROUND_HALF_UP``: from gross,
  ``tax = gross * r / (100 + r)`` and ``net = gross - tax``; from net, ``tax = net * r / 100``
  and ``gross = net + tax``. Totals are sums of rounded lines, so they add up to the cent.
- Shipping is one more line, taxed at the destination's standard rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def cents(amount: Decimal) -> Decimal:
    """``amount`` rounded to the cent, half up (the shop's one rounding rule)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def percent(rate: Decimal) -> Decimal:
    """A rate for storage and display: ``Decimal("19.00")``."""
    return Decimal(rate).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Amounts:
    """One taxed amount: ``net + tax == gross``, each to the cent."""

    rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


def from_gross(gross: Decimal, rate: Decimal) -> Amounts:
    """Split a gross amount (VAT included) into net and tax."""
    gross = cents(gross)
    tax = cents(gross * rate / (HUNDRED + rate))
    return Amounts(percent(rate), gross - tax, tax, gross)


def from_net(net: Decimal, rate: Decimal) -> Amounts:
    """Add VAT to a net amount."""
    net = cents(net)
    tax = cents(net * rate / HUNDRED)
    return Amounts(percent(rate), net, tax, net + tax)


def taxed(amount: Decimal, rate: Decimal, prices_include_tax: bool) -> Amounts:
    """An amount as entered, taxed at ``rate``."""
    return from_gross(amount, rate) if prices_include_tax else from_net(amount, rate)


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Share ``total`` (cents, at most ``sum(weights)``) over ``weights`` in proportion:
    each share rounded down to the cent, the cents left over going one each to the largest
    remainders (ties: the earlier line). The shares add up to ``total`` and none exceeds its
    weight."""
    total = cents(total)
    whole = sum(weights, ZERO)
    if total <= 0 or whole <= 0:
        return [ZERO for _ in weights]
    total = min(total, whole)
    exact = [weight * total / whole for weight in weights]
    shares = [value.quantize(CENT, rounding=ROUND_DOWN) for value in exact]
    left = int((total - sum(shares, ZERO)) / CENT)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in order[:left]:
        shares[index] += CENT
    return shares


@dataclass(frozen=True)
class LineInput:
    """A line as the cart has it: the unit price as entered and the line's VAT rate."""

    unit_price: Decimal
    quantity: int
    rate: Decimal


@dataclass(frozen=True)
class TaxedLine:
    entered: Decimal  # unit price x quantity, as entered
    discount: Decimal  # the line's share of the discount, as entered
    discount_gross: Decimal  # what the discount took off the line's gross
    amounts: Amounts  # after the discount


@dataclass(frozen=True)
class RateTotal:
    rate: Decimal
    net: Decimal
    tax: Decimal

    def as_json(self) -> dict[str, str]:
        return {"rate": str(self.rate), "net": str(self.net), "tax": str(self.tax)}


@dataclass(frozen=True)
class Quote:
    """Everything a cart or an order costs. ``total == net_total + tax_total ==
    lines' gross + shipping's gross``; ``rates`` holds the net and tax per rate (lines and
    shipping), rate 0 included."""

    prices_include_tax: bool
    lines: list[TaxedLine]
    shipping: Amounts | None  # None: no shipping chosen yet (the cart page)
    subtotal: Decimal  # lines as entered, before the discount
    discount: Decimal  # as entered
    discount_gross: Decimal
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    rates: list[RateTotal]

    @property
    def lines_gross(self) -> Decimal:
        return sum((line.amounts.gross for line in self.lines), ZERO)

    @property
    def lines_net(self) -> Decimal:
        return sum((line.amounts.net for line in self.lines), ZERO)

    @property
    def taxed_rates(self) -> list[RateTotal]:
        """The rates that carry VAT (what pages show as "incl. 19% VAT")."""
        return [rate for rate in self.rates if rate.rate > 0]

    def breakdown(self) -> list[dict[str, str]]:
        """``Order.tax_breakdown``: ``[{"rate": "19.00", "net": "..", "tax": ".."}]``."""
        return [rate.as_json() for rate in self.rates]


def discount_for(
    subtotal: Decimal, *, percentage: Decimal | None = None, fixed: Decimal | None = None
) -> Decimal:
    """A voucher's discount on ``subtotal`` (as entered): a percentage of it, or a fixed
    amount, never more than the subtotal."""
    if percentage is not None:
        amount = cents(subtotal * percentage / HUNDRED)
    else:
        amount = cents(fixed or ZERO)
    return max(ZERO, min(amount, subtotal))


def quote(
    lines: Sequence[LineInput],
    *,
    prices_include_tax: bool,
    discount: Decimal = ZERO,
    shipping_price: Decimal | None = None,
    shipping_rate: Decimal = ZERO,
) -> Quote:
    """Price ``lines`` with ``discount`` (as entered) and, when given, shipping (as entered,
    taxed at ``shipping_rate``)."""
    entered = [cents(line.unit_price * line.quantity) for line in lines]
    subtotal = sum(entered, ZERO)
    shares = allocate(discount, entered)
    taxed_lines = []
    for line, amount, share in zip(lines, entered, shares, strict=True):
        after = taxed(amount - share, line.rate, prices_include_tax)
        before = taxed(amount, line.rate, prices_include_tax) if share else after
        taxed_lines.append(TaxedLine(amount, share, before.gross - after.gross, after))
    shipping = (
        taxed(shipping_price, shipping_rate, prices_include_tax)
        if shipping_price is not None
        else None
    )
    parts = [line.amounts for line in taxed_lines] + ([shipping] if shipping else [])
    per_rate: dict[Decimal, list[Decimal]] = {}
    for part in parts:
        totals = per_rate.setdefault(part.rate, [ZERO, ZERO])
        totals[0] += part.net
        totals[1] += part.tax
    net_total = sum((part.net for part in parts), ZERO)
    tax_total = sum((part.tax for part in parts), ZERO)
    return Quote(
        prices_include_tax=prices_include_tax,
        lines=taxed_lines,
        shipping=shipping,
        subtotal=subtotal,
        discount=sum(shares, ZERO),
        discount_gross=sum((line.discount_gross for line in taxed_lines), ZERO),
        net_total=net_total,
        tax_total=tax_total,
        total=net_total + tax_total,
        rates=[
            RateTotal(rate, net, tax)
            for rate, (net, tax) in sorted(per_rate.items(), key=lambda item: -item[0])
        ],
    )


def split_refund(amount: Decimal, parts: Sequence[Amounts]) -> list[Amounts]:
    """A refund of ``amount`` (gross) split over ``parts`` (the lines and shipping it refunds,
    with their stored amounts) in proportion to their gross, each share split into net and
    tax at its part's rate; the shares add up to ``amount`` (the returns issue uses it)."""
    shares = allocate(amount, [part.gross for part in parts])
    return [from_gross(share, part.rate) for share, part in zip(shares, parts, strict=True)]
