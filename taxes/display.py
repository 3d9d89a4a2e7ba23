"""The totals rows pages and emails show under a cart's or an order's lines: the voucher's
discount, shipping, VAT per rate ("incl. 19% VAT" with gross prices, "+ 19% VAT" with net
ones) and the total, in the order that adds up on the page."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from taxes.calculation import ZERO


@dataclass(frozen=True)
class TotalsRow:
    key: str  # for data-testid: discount, shipping, total, vat-19
    label: str
    amount: Decimal
    negative: bool = False  # shown with a minus (the discount)
    strong: bool = False  # the total
    note: bool = False  # "incl. VAT": part of the total above, not added

    @property
    def shown(self) -> Decimal:
        """The amount as the row shows it (the discount negative)."""
        return -self.amount if self.negative else self.amount


def rate_label(rate: Decimal | str) -> str:
    """``19.00`` -> ``19``, ``5.50`` -> ``5.5`` (``5,5`` in German)."""
    value = Decimal(str(rate)).normalize()
    places = max(0, -value.as_tuple().exponent)
    return number_format(value, decimal_pos=places, use_l10n=True)


def _vat_rows(rates: list[tuple[Decimal, Decimal]], prices_include_tax: bool) -> list[TotalsRow]:
    rows = []
    for rate, tax in rates:
        if Decimal(rate) <= 0:
            continue
        name = {"rate": rate_label(rate)}
        label = (
            _("incl. %(rate)s%% VAT") % name if prices_include_tax else _("+ %(rate)s%% VAT") % name
        )
        key = "vat-" + rate_label(rate).replace(",", "-").replace(".", "-")
        rows.append(TotalsRow(key, label, Decimal(tax), note=prices_include_tax))
    return rows


def totals_rows(
    *,
    prices_include_tax: bool,
    voucher_code: str,
    discount: Decimal,
    shipping: Decimal | None,
    free_shipping: bool,
    rates: list[tuple[Decimal, Decimal]],
    total: Decimal,
) -> list[TotalsRow]:
    """The rows after the subtotal. ``discount`` and ``shipping`` as entered (gross or net,
    like the prices above them); ``rates``: (rate, tax) pairs."""
    rows = []
    if discount > 0:
        label = _("Voucher %(code)s") % {"code": voucher_code} if voucher_code else _("Discount")
        rows.append(TotalsRow("discount", label, discount, negative=True))
    if shipping is not None:
        if free_shipping and shipping == 0:
            label = _("Shipping (free with your voucher)")
        else:
            label = _("Shipping") if prices_include_tax else _("Shipping (net)")
        rows.append(TotalsRow("shipping", label, shipping))
    vat = _vat_rows(rates, prices_include_tax)
    total_row = TotalsRow("total", _("Total"), total, strong=True)
    if prices_include_tax:
        return [*rows, total_row, *vat]
    return [*rows, *vat, total_row]


def summary_rows(summary: Any) -> list[TotalsRow]:
    """A ``cart.summary.CartSummary``'s rows (shipping when it was priced with a method)."""
    return totals_rows(
        prices_include_tax=summary.prices_include_tax,
        voucher_code=summary.voucher_code if not summary.voucher_problem else "",
        discount=summary.discount,
        shipping=summary.shipping,
        free_shipping=summary.free_shipping,
        rates=[(rate.rate, rate.tax) for rate in summary.taxes],
        total=summary.total,
    )


def order_rows(order: Any) -> list[TotalsRow]:
    """An order's rows from its stored amounts (orders from before VAT: shipping and total)."""
    include = order.prices_include_tax
    if include:
        discount, shipping = order.discount_total, order.shipping_cost
    else:
        lines_net = order.net_total - order.shipping_net
        discount, shipping = order.subtotal - lines_net, order.shipping_net
    return totals_rows(
        prices_include_tax=include,
        voucher_code=order.voucher_code,
        discount=max(discount, ZERO),
        shipping=shipping,
        free_shipping=bool(order.voucher_code) and order.shipping_cost == 0,
        rates=[(Decimal(row["rate"]), Decimal(row["tax"])) for row in order.tax_breakdown or []],
        total=order.total,
    )
