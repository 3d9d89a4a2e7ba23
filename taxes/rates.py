"""Which VAT rate applies: the destination country's rate for a tax class (one query)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from taxes.models import TaxClass, TaxRate

ZERO_RATE = Decimal("0.00")


@dataclass(frozen=True)
class CountryRates:
    """The rates of one destination: ``for_class`` falls back to the standard rate (a country
    without a reduced rate), and to 0 when the country has no VAT in the table (exports)."""

    country: str
    rates: dict[str, Decimal] = field(default_factory=dict)

    @property
    def standard(self) -> Decimal:
        return self.rates.get(TaxClass.STANDARD, ZERO_RATE)

    def for_class(self, tax_class: str) -> Decimal:
        return self.rates.get(tax_class, self.standard)


def rates_for(country: str) -> CountryRates:
    """The destination's rates, read in one query."""
    country = (country or "").upper()
    rows = TaxRate.objects.filter(country=country).values_list("tax_class", "rate")
    return CountryRates(country, {tax_class: Decimal(rate) for tax_class, rate in rows})
