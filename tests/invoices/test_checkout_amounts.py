"""An order placed by the real checkout (VAT and voucher computed by ``taxes``) invoices
cleanly: its stored amounts are what the invoice prints and checks."""

from __future__ import annotations

import uuid
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from cart.models import Cart
from invoices import services
from invoices.models import Invoice
from orders.payments import CardToken
from orders.services.checkout import place_order
from shop.money import format_money
from tests.factories import CartItemFactory, PaymentFactory, ProductFactory

pytestmark = pytest.mark.django_db
ADDRESS = {
    "full_name": "Erika Mustermann",
    "line1": "Hauptstraße 5",
    "city": "Köln",
    "postal_code": "50667",
    "country": "DE",
}


def test_an_order_from_the_real_checkout_is_invoiced_with_its_stored_amounts():
    # given an order placed by checkout to Germany: 2 lamps (standard VAT) and a book (reduced)
    cart = Cart.objects.create(session_key=uuid.uuid4().hex[:32])
    CartItemFactory(cart=cart, product=ProductFactory(price=Decimal("20.00")), quantity=2)
    book = ProductFactory(price=Decimal("12.00"), tax_class="reduced")
    CartItemFactory(cart=cart, product=book, quantity=1)
    order = place_order(
        cart=cart,
        email="erika@example.com",
        shipping_address=ADDRESS,
        shipping_method="standard",
        card=CardToken(token="tok_success_abc", brand="visa", last4="4242"),
        checkout_token=uuid.uuid4().hex,
        start_workflow=False,
    ).order
    PaymentFactory(order=order, kind="capture", amount=order.total)

    # when its invoice is issued
    number = services.issue_invoice(order.number)

    # then it carries the order's totals and one tax row per rate of the order
    invoice = Invoice.objects.get()
    assert (invoice.number, invoice.total, invoice.net_total, invoice.tax_total) == (
        number,
        order.total,
        order.net_total,
        order.tax_total,
    )
    assert invoice.tax_breakdown == order.tax_breakdown
    assert [row["rate"] for row in order.tax_breakdown] == ["19.00", "7.00"]
    text = " ".join(
        PdfReader(BytesIO(bytes(invoice.pdf))).pages[0].extract_text().replace("\xa0", " ").split()
    )
    assert f"Total {format_money(order.total, 'EUR')}".replace("\xa0", " ") in text
