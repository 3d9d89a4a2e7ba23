"""Which VAT rate applies: the destination country's rate for a tax class (one query).

``place_order`` reads the table (``rates_for``); the pages that only show VAT (cart, checkout
review) read it through the shared cache (``displayed_rates_for``), dropped whenever a rate is
saved or deleted (``taxes.signals``) and kept at most ``DISPLAY_SECONDS`` otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache

from taxes.models import TaxClass, TaxRate

ZERO_RATE = Decimal("0.00")
DISPLAY_SECONDS = 300
CACHE_KEY = "taxes:rates:{country}"


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


def displayed_rates_for(country: str) -> CountryRates:
    """``rates_for``, from the shared cache when there (the cart page shows VAT on every
    request; the rates change a few times a decade)."""
    key = CACHE_KEY.format(country=(country or "").upper())
    rates = cache.get(key)
    if rates is None:
        rates = rates_for(country)
        cache.set(key, rates, DISPLAY_SECONDS)
    return rates


def forget_displayed_rates(country: str) -> None:
    cache.delete(CACHE_KEY.format(country=(country or "").upper()))
