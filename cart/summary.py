"""Reading a cart: its lines at current database prices and stock, the voucher's discount and
the VAT of the destination (``cart.pricing``), for the cart page, the checkout review and the
API. Reads only: a voucher that can no longer be used is reported, not removed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django_countries import countries

from cart.models import Cart, CartItem
from cart.pricing import country_rates, default_country, quote_items
from catalog.models import Product
from promotions.services import Discount, VoucherError, check_voucher, find_voucher
from taxes.calculation import ZERO, Quote, RateTotal
from taxes.rates import CountryRates


def contents_version(lines: Iterable[tuple[int, int, Decimal]], voucher_code: str = "") -> str:
    """A short digest of (product id, quantity, unit price) lines and the cart's voucher code:
    it changes when anything the shopper reviewed changes (a price, a quantity, a line added
    or removed, a voucher applied or removed)."""
    text = ";".join(f"{pid}:{qty}:{Decimal(price):.2f}" for pid, qty, price in sorted(lines))
    if voucher_code:
        text += f"|{voucher_code}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    available: int  # units in stock right now (0 when inactive)
    problem: str = ""  # why this line can't be ordered as is ("" when fine)
    tax_rate: Decimal = ZERO  # percent, the destination's rate for the product's tax class

    @property
    def ok(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class CartSummary:
    lines: list[CartLine] = field(default_factory=list)
    subtotal: Decimal = Decimal("0.00")
    item_count: int = 0
    # The code in the cart, and why it gives no discount now ("" when it does).
    voucher_code: str = ""
    voucher_problem: str = ""
    free_shipping: bool = False
    country: str = ""  # whose VAT the summary shows
    quote: Quote | None = None
    rates: CountryRates | None = None
    applied: Discount | None = None  # the voucher's discount when it gives one

    def with_shipping(self, price: Decimal) -> CartSummary:
        """This summary priced with a shipping method (``price`` as entered), no query."""
        if self.rates is None:
            return self
        return replace(
            self,
            quote=quote_items(
                [(line.product, line.quantity) for line in self.lines],
                rates=self.rates,
                discount=self.applied,
                shipping=price,
            ),
        )

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def problems(self) -> list[str]:
        return [line.problem for line in self.lines if line.problem]

    @property
    def prices_include_tax(self) -> bool:
        return self.quote.prices_include_tax if self.quote else settings.PRICES_INCLUDE_TAX

    @property
    def discount(self) -> Decimal:
        """The voucher's discount, as entered (what the discount line shows)."""
        return self.quote.discount if self.quote else ZERO

    @property
    def total(self) -> Decimal:
        """What the shopper pays: the lines after the discount, VAT included (and shipping,
        when the summary was made for a shipping method)."""
        return self.quote.total if self.quote else ZERO

    @property
    def shipping(self) -> Decimal | None:
        """Shipping as entered (net or gross, like the prices); None when not chosen."""
        if self.quote is None or self.quote.shipping is None:
            return None
        shipping = self.quote.shipping
        return shipping.gross if self.prices_include_tax else shipping.net

    @property
    def net_before_tax(self) -> Decimal:
        """With net prices: the amount VAT is added to (lines after discount + shipping)."""
        return self.quote.net_total if self.quote else ZERO

    @property
    def taxes(self) -> list[RateTotal]:
        """VAT per rate (the rates that carry VAT), for "incl. VAT" / "+ VAT" lines."""
        return self.quote.taxed_rates if self.quote else []

    @property
    def tax_total(self) -> Decimal:
        return self.quote.tax_total if self.quote else ZERO

    @property
    def country_name(self) -> str:
        return str(countries.name(self.country) or self.country)  # in the active language

    @property
    def version(self) -> str:
        """See ``contents_version``: the checkout page sends it back with the order."""
        return contents_version(
            ((line.product.pk, line.quantity, line.unit_price) for line in self.lines),
            self.voucher_code,
        )


def _problem(product: Product, quantity: int, available: int) -> str:
    if not product.is_active:
        return _("%(name)s is no longer available.") % {"name": product.name}
    if available <= 0:
        return _("%(name)s is sold out.") % {"name": product.name}
    if quantity > available:
        return _("Only %(count)d left of %(name)s.") % {"count": available, "name": product.name}
    return ""


def voucher_discount(
    code: str, subtotal: Decimal, *, user: Any = None, email: str = ""
) -> tuple[Discount | None, str]:
    """The discount of the cart's code, or None and the reason it gives none now."""
    if not code:
        return None, ""
    try:
        return check_voucher(find_voucher(code), subtotal, user=user, email=email), ""
    except VoucherError as exc:
        return None, exc.message


def summarize(
    cart: Cart | None,
    *,
    country: str | None = None,
    shipping: Decimal | None = None,
    user: Any = None,
) -> CartSummary:
    """Lines with current database prices and stock (one query), the VAT of ``country`` (the
    shop's default when None; one query) and, when the cart has a voucher, its discount (one
    or two queries). ``shipping``: a method's price as entered, to include it."""
    if cart is None or cart.pk is None:
        return CartSummary(country=(country or default_country()).upper())
    items = list(
        CartItem.objects.filter(cart=cart)
        .select_related("product__stock")
        .order_by("added_at", "pk")
    )
    if not items:
        return CartSummary(
            voucher_code=cart.voucher_code, country=(country or default_country()).upper()
        )
    rates = country_rates(country)
    lines: list[CartLine] = []
    for item in items:
        product = item.product
        available = product.available_quantity if product.is_active else 0
        lines.append(
            CartLine(
                product=product,
                quantity=item.quantity,
                unit_price=product.price,
                line_total=product.price * item.quantity,
                available=available,
                problem=_problem(product, item.quantity, available),
                tax_rate=rates.for_class(product.tax_class),
            )
        )
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    discount, voucher_problem = voucher_discount(cart.voucher_code, subtotal, user=user)
    return CartSummary(
        lines=lines,
        subtotal=subtotal,
        item_count=sum(line.quantity for line in lines),
        voucher_code=cart.voucher_code,
        voucher_problem=voucher_problem,
        free_shipping=bool(discount and discount.free_shipping),
        country=rates.country,
        rates=rates,
        applied=discount,
        quote=quote_items(
            [(line.product, line.quantity) for line in lines],
            rates=rates,
            discount=discount,
            shipping=shipping,
        ),
    )
