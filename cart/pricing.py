"""What a cart costs: its lines priced from the database with the voucher's discount and the
destination's VAT (``taxes.calculation``). The cart page, the checkout review and
``place_order`` all price through ``quote_items``, so what is reviewed is what is stored."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings

from catalog.models import Product
from promotions.services import Discount, no_discount
from taxes.calculation import LineInput, Quote, quote
from taxes.rates import CountryRates, displayed_rates_for


def default_country() -> str:
    return settings.SHOP_DEFAULT_COUNTRY


def shipping_price(method: str) -> Decimal | None:
    """The method's price as entered (None for an unknown method)."""
    entry = settings.SHIPPING_METHODS.get(method)
    return Decimal(str(entry["price"])) if entry else None


def quote_items(
    items: Sequence[tuple[Product, int]],
    *,
    rates: CountryRates,
    discount: Discount | None = None,
    shipping: Decimal | None = None,
) -> Quote:
    """``items`` (product, quantity) at their current prices, with ``discount`` and, when
    given, ``shipping`` (as entered; free with a free-shipping voucher)."""
    discount = discount or no_discount()
    if shipping is not None and discount.free_shipping:
        shipping = Decimal("0.00")
    return quote(
        [
            LineInput(product.price, quantity, rates.for_class(product.tax_class))
            for product, quantity in items
        ],
        prices_include_tax=settings.PRICES_INCLUDE_TAX,
        discount=discount.amount,
        shipping_price=shipping,
        shipping_rate=rates.standard,
    )


def country_rates(country: str | None) -> CountryRates:
    """The destination's VAT rates as pages show them (cached; ``place_order`` reads the
    table); the shop's default country when unknown."""
    return displayed_rates_for(country or default_country())
