"""For random carts (prices, quantities, tax classes), destinations, gross or net prices,
vouchers and shipping methods, a placed order's amounts add up to the cent: total = lines'
gross + shipping's gross = net total + tax total; VAT per rate sums to the totals; shipping is
taxed at the destination's standard rate (hypothesis, through ``place_order``)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cart.models import Cart
from orders.payments import CardToken
from orders.services.checkout import place_order
from promotions.models import Voucher
from taxes.models import TaxRate
from tests.factories import CartItemFactory, ProductFactory

pytestmark = pytest.mark.django_db
CARD = CardToken(token="tok_success_abc", brand="visa", last4="4242")
COUNTRIES = ["DE", "FR", "DK", "HU", "FI", "IE", "US"]

prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)
lines = st.lists(
    st.tuples(prices, st.integers(1, 7), st.sampled_from(["standard", "reduced"])),
    min_size=1,
    max_size=6,
)
vouchers = st.one_of(
    st.none(),
    st.tuples(st.just("percentage"), st.decimals(1, 100, places=2), st.booleans()),
    st.tuples(st.just("fixed"), st.decimals(0, 500, places=2), st.booleans()),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cart_lines=lines,
    country=st.sampled_from(COUNTRIES),
    gross=st.booleans(),
    voucher=vouchers,
    method=st.sampled_from(list(django_settings.SHIPPING_METHODS)),
)
def test_placed_order_totals_add_up(settings, cart_lines, country, gross, voucher, method):
    # Given a random cart, maybe with a voucher, prices entered gross or net
    settings.PRICES_INCLUDE_TAX = gross
    code = ""
    if voucher is not None:
        kind, value, free_shipping = voucher
        code = f"P{uuid.uuid4().hex[:10].upper()}"
        Voucher.objects.create(code=code, kind=kind, value=value, free_shipping=free_shipping)
    cart = Cart.objects.create(session_key=uuid.uuid4().hex[:32], voucher_code=code)
    for price, quantity, tax_class in cart_lines:
        product = ProductFactory(price=price, tax_class=tax_class, stock__quantity=10)
        CartItemFactory(cart=cart, product=product, quantity=quantity)
    # When it is ordered to ``country`` with ``method``
    order = place_order(
        cart=cart,
        email="prop@example.com",
        shipping_address={
            "full_name": "P. Roperty",
            "line1": "1 Sum Street",
            "city": "Town",
            "postal_code": "1000",
            "country": country,
        },
        shipping_method=method,
        card=CARD,
        checkout_token=uuid.uuid4().hex,
    ).order
    ordered = list(order.lines.all())
    # Then every line is net + tax = gross, and the order's totals are the sums of its lines
    # and shipping, to the cent
    assert all(line.net_amount + line.tax_amount == line.gross_amount for line in ordered)
    assert order.total == sum(line.gross_amount for line in ordered) + order.shipping_cost
    assert order.shipping_net + order.shipping_tax == order.shipping_cost
    assert order.net_total == sum(line.net_amount for line in ordered) + order.shipping_net
    assert order.tax_total == sum(line.tax_amount for line in ordered) + order.shipping_tax
    assert order.net_total + order.tax_total == order.total
    assert order.discount_total == sum(line.discount_amount for line in ordered)
    assert sum(Decimal(rate["net"]) for rate in order.tax_breakdown) == order.net_total
    assert sum(Decimal(rate["tax"]) for rate in order.tax_breakdown) == order.tax_total
    assert order.subtotal == sum(line.unit_price * line.quantity for line in ordered)
    # And shipping is taxed at the destination's standard rate (free with such a voucher)
    standard = TaxRate.objects.filter(country=country, tax_class="standard").first()
    assert order.shipping_tax_rate == (standard.rate if standard else Decimal("0.00"))
    price = Decimal(django_settings.SHIPPING_METHODS[method]["price"])
    entered = Decimal("0.00") if voucher is not None and voucher[2] else price
    assert (order.shipping_cost if gross else order.shipping_net) == entered
    # And with gross prices, what the lines cost is the subtotal less the discount
    if gross:
        assert sum(line.gross_amount for line in ordered) == order.subtotal - order.discount_total
    assert order.total >= 0
