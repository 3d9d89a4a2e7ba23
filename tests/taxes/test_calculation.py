"""VAT per line, exact to the cent (docs/TAXES.md): a table of destination x tax class x
gross/net through ``place_order`` with the seeded EU rates, and the pure functions' rules
(half-up rounding, discount shares, proportional refund split)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from cart.models import Cart
from orders.payments import CardToken
from orders.services.checkout import place_order
from taxes.calculation import (
    Amounts,
    LineInput,
    allocate,
    from_gross,
    from_net,
    quote,
    split_refund,
)
from taxes.models import TaxRate
from tests.factories import CartItemFactory, ProductFactory

D = Decimal
CARD = CardToken(token="tok_success_abc", brand="visa", last4="4242")

# (country, tax class, prices include tax) -> (rate, net, tax, gross) of one 10.00 line
CASES = [
    ("DE", "standard", True, ("19.00", "8.40", "1.60", "10.00")),
    ("DE", "reduced", True, ("7.00", "9.35", "0.65", "10.00")),
    ("FR", "standard", True, ("20.00", "8.33", "1.67", "10.00")),
    ("FR", "reduced", True, ("5.50", "9.48", "0.52", "10.00")),
    ("FI", "standard", True, ("25.50", "7.97", "2.03", "10.00")),
    ("HU", "standard", True, ("27.00", "7.87", "2.13", "10.00")),
    ("DK", "reduced", True, ("25.00", "8.00", "2.00", "10.00")),  # no reduced rate: standard
    ("US", "standard", True, ("0.00", "10.00", "0.00", "10.00")),  # no VAT outside the table
    ("DE", "standard", False, ("19.00", "10.00", "1.90", "11.90")),
    ("DE", "reduced", False, ("7.00", "10.00", "0.70", "10.70")),
    ("FR", "standard", False, ("20.00", "10.00", "2.00", "12.00")),
    ("FR", "reduced", False, ("5.50", "10.00", "0.55", "10.55")),
    ("FI", "standard", False, ("25.50", "10.00", "2.55", "12.55")),
    ("HU", "standard", False, ("27.00", "10.00", "2.70", "12.70")),
    ("DK", "reduced", False, ("25.00", "10.00", "2.50", "12.50")),
    ("US", "standard", False, ("0.00", "10.00", "0.00", "10.00")),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("country", "tax_class", "gross", "expected"),
    CASES,
    ids=[f"{c}-{t}-{'gross' if g else 'net'}" for c, t, g, _ in CASES],
)
def test_one_line_is_taxed_by_destination_and_class(settings, country, tax_class, gross, expected):
    # Given prices entered gross (or net) and a 10.00 product of this tax class in a cart
    settings.PRICES_INCLUDE_TAX = gross
    cart = Cart.objects.create(session_key=uuid.uuid4().hex[:32])
    product = ProductFactory(price=D("10.00"), tax_class=tax_class)
    CartItemFactory(cart=cart, product=product, quantity=1)
    # When it is ordered to ``country``
    order = place_order(
        cart=cart,
        email="vat@example.com",
        shipping_address={
            "full_name": "V. A. T.",
            "line1": "1 Rate Road",
            "city": "Capital",
            "postal_code": "12345",
            "country": country,
        },
        shipping_method="standard",
        card=CARD,
        checkout_token=uuid.uuid4().hex,
    ).order
    # Then the line stores its rate, net, tax and gross to the cent
    line = order.lines.get()
    assert (line.tax_class, line.tax_rate, line.net_amount, line.tax_amount, line.gross_amount) == (
        tax_class,
        *(D(value) for value in expected),
    )
    # And shipping (4.90 as entered) is taxed at the destination's standard rate
    standard = TaxRate.objects.filter(country=country, tax_class="standard").first()
    assert order.shipping_tax_rate == (standard.rate if standard else D("0.00"))
    assert order.total == line.gross_amount + order.shipping_cost
    assert order.net_total + order.tax_total == order.total
    assert order.prices_include_tax is gross


def test_rounding_is_half_up_per_line():
    # Given amounts whose VAT ends in half a cent
    # When taxed / Then half a cent rounds up (not to even)
    assert from_net(D("0.50"), D("5")) == Amounts(D("5.00"), D("0.50"), D("0.03"), D("0.53"))
    assert from_net(D("0.10"), D("25")) == Amounts(D("25.00"), D("0.10"), D("0.03"), D("0.13"))
    assert from_gross(D("0.01"), D("19")) == Amounts(D("19.00"), D("0.01"), D("0.00"), D("0.01"))


def test_per_line_rounding_adds_up_even_where_a_sum_would_round_differently():
    # Given three lines of 0.10 net at 25 % (0.025 VAT each)
    lines = [LineInput(D("0.10"), 1, D("25")) for _ in range(3)]
    # When quoted with net prices
    priced = quote(lines, prices_include_tax=False)
    # Then each line's VAT is 0.03 (half up), and the totals are the lines' sums, to the cent
    assert [line.amounts.tax for line in priced.lines] == [D("0.03")] * 3
    assert (priced.net_total, priced.tax_total, priced.total) == (D("0.30"), D("0.09"), D("0.39"))


def test_discount_shares_add_up_and_follow_the_amounts():
    # Given a 10.00 discount over lines of 33.33, 33.33 and 33.34
    shares = allocate(D("10.00"), [D("33.33"), D("33.33"), D("33.34")])
    # Then shares follow the amounts, largest remainder gets the leftover cent, sum is exact
    assert shares == [D("3.33"), D("3.33"), D("3.34")]
    # And never more than a line, nor more than all of them
    assert allocate(D("5.00"), [D("0.01"), D("1.00")]) == [D("0.01"), D("1.00")]
    assert allocate(D("0.00"), [D("1.00")]) == [D("0.00")]


def test_quote_with_two_rates_and_a_discount():
    # Given 59.97 at 19 % and 9.80 at 7 % (gross), 5.00 off, shipping 4.90 at 19 %
    priced = quote(
        [LineInput(D("19.99"), 3, D("19")), LineInput(D("9.80"), 1, D("7"))],
        prices_include_tax=True,
        discount=D("5.00"),
        shipping_price=D("4.90"),
        shipping_rate=D("19"),
    )
    # Then the discount is shared 4.30 / 0.70, each line taxed after it, VAT per rate
    assert [line.discount for line in priced.lines] == [D("4.30"), D("0.70")]
    assert [line.amounts for line in priced.lines] == [
        Amounts(D("19.00"), D("46.78"), D("8.89"), D("55.67")),
        Amounts(D("7.00"), D("8.50"), D("0.60"), D("9.10")),
    ]
    assert priced.breakdown() == [
        {"rate": "19.00", "net": "50.90", "tax": "9.67"},
        {"rate": "7.00", "net": "8.50", "tax": "0.60"},
    ]
    assert (priced.subtotal, priced.discount, priced.total) == (D("69.77"), D("5.00"), D("69.67"))


def test_a_partial_refund_splits_tax_in_proportion():
    # Given a refund of 20.00 over a line of 55.67 (19 %) and one of 9.10 (7 %)
    parts = [
        Amounts(D("19.00"), D("46.78"), D("8.89"), D("55.67")),
        Amounts(D("7.00"), D("8.50"), D("0.60"), D("9.10")),
    ]
    # When split
    split = split_refund(D("20.00"), parts)
    # Then the gross shares follow the lines (17.19 / 2.81), each split at its rate
    assert split == [
        Amounts(D("19.00"), D("14.45"), D("2.74"), D("17.19")),
        Amounts(D("7.00"), D("2.63"), D("0.18"), D("2.81")),
    ]
    assert sum(part.gross for part in split) == D("20.00")
