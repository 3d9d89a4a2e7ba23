"""One money formatter (shop.money.format_money and the ``money`` filter) on pages, emails and
the admin panel: ``€19.90`` in English, ``19,90 €`` in German."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.template import Context, Template
from django.utils import translation

from orders.notifications import send_order_email
from shop.money import format_money
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, StaffFactory

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("en", "19.9", None, "€19.90"),
        ("en", "1234.5", "USD", "$1,234.50"),
        ("en", "-3", "EUR", "-€3.00"),
        ("de", "19.9", None, f"19,90{NBSP}€"),
        ("de", "1234.5", "EUR", f"1.234,50{NBSP}€"),
        ("de", "0", "GBP", f"0,00{NBSP}£"),
    ],
)
def test_format_money_follows_the_active_language(language, amount, currency, expected):
    # Given an amount and a language
    with translation.override(language):
        # When it is formatted by the helper and by the template filter
        helper = format_money(Decimal(amount), currency)
        filtered = Template("{% load money %}{{ amount|money:currency }}").render(
            Context({"amount": Decimal(amount), "currency": currency})
        )

    # Then both write the same amount with its sign where the language puts it
    assert helper == expected
    assert filtered == expected


def test_format_money_of_nothing_is_empty():
    # Given no amount / When formatted / Then nothing is shown
    assert format_money(None) == ""


@pytest.mark.django_db
def test_product_page_shows_the_price_with_its_sign(client):
    # Given a product at 19.90
    product = ProductFactory(name="Pour-over kettle", price=Decimal("19.90"))

    # When its page is opened
    html = client.get(product.get_absolute_url()).content.decode()

    # Then the price reads €19.90, never "19.90 EUR"
    assert '<p class="price price-large">€19.90</p>' in html
    assert "EUR" not in html


@pytest.mark.django_db
def test_email_amounts_use_the_formatter_in_german():
    # Given an order of 2 x 19.99 + 4.90 shipping placed in German
    order = OrderFactory(language="de")
    OrderLineFactory(order=order, product=ProductFactory(price=Decimal("19.99")), quantity=2)

    # When its confirmation is sent (from an English context, as the worker's)
    with translation.override("en"):
        assert send_order_email(order, "confirmation") is True

    # Then the text and HTML bodies write German amounts with the sign after them
    message = mail.outbox[0]
    assert f"44,88{NBSP}€" in message.body
    assert f"39,98{NBSP}€" in message.body
    assert "EUR" not in message.body
    html, _ = message.alternatives[0]
    assert f"<strong>44,88{NBSP}€</strong>" in html


@pytest.mark.django_db
def test_admin_panel_shows_formatted_amounts(client):
    # Given staff, an order of 44.88 and a product at 19.99
    client.force_login(StaffFactory())
    order = OrderFactory(number="M0000001")
    OrderLineFactory(order=order, product=ProductFactory(price=Decimal("19.99")), quantity=2)

    # When the order list, the order and the product list are opened
    order_list = client.get("/admin/orders/order/").content.decode()
    order_page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    products = client.get("/admin/catalog/product/").content.decode()

    # Then every amount carries its sign, and none is written "EUR"
    assert '<td class="field-total_display">€44.88</td>' in order_list
    assert "€39.98" in order_page and "€4.90" in order_page and "€44.88" in order_page
    assert "€19.99" in order_page  # the line's unit price
    assert '<td class="field-price_display">€19.99</td>' in products
    assert " EUR" not in order_list + order_page + products
