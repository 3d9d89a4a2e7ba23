"""What ``place_order`` stores of a priced cart (``taxes.calculation.Quote``): the order's
amounts and each line's (docs/TAXES.md), and how a voucher refused at placement is answered."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from cart.models import Cart
from cart.services import remove_voucher
from promotions.services import VoucherError
from taxes.calculation import Quote, TaxedLine


def cart_voucher(cart: Cart | None) -> str:
    return cart.voucher_code if cart is not None else ""


def voucher_refused(exc: VoucherError, cart: Cart | None, from_cart: bool) -> str:
    """The message for a voucher that can't be used at placement (used up by a concurrent
    checkout, expired...): nothing was placed, and the cart's code is removed so the next
    review shows the full price."""
    if from_cart and cart is not None:
        remove_voucher(cart)
        return _("%(reason)s It was removed from your cart; please check your order again.") % {
            "reason": exc.message
        }
    return exc.message


def order_amounts(priced: Quote) -> dict[str, Any]:
    """The order's amounts (docs/TAXES.md): what is authorized is ``total``."""
    shipping = priced.shipping
    assert shipping is not None  # place_order always prices a shipping method
    return {
        "subtotal": priced.subtotal,
        "shipping_cost": shipping.gross,
        "total": priced.total,
        "discount_total": priced.discount_gross,
        "prices_include_tax": priced.prices_include_tax,
        "net_total": priced.net_total,
        "tax_total": priced.tax_total,
        "shipping_tax_rate": shipping.rate,
        "shipping_net": shipping.net,
        "shipping_tax": shipping.tax,
        "tax_breakdown": priced.breakdown(),
    }


def line_amounts(line: TaxedLine) -> dict[str, Any]:
    """An ``OrderLine``'s VAT fields: its rate, its gross share of the discount, and what it
    costs after it (net + tax = gross)."""
    return {
        "tax_rate": line.amounts.rate,
        "discount_amount": line.discount_gross,
        "net_amount": line.amounts.net,
        "tax_amount": line.amounts.tax,
        "gross_amount": line.amounts.gross,
    }
