"""English and German: pages follow the shopper's language (Accept-Language or the switcher),
an order remembers its customer's language and its emails are written in it."""

from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation

from orders.models import Order
from orders.notifications import send_order_email
from tests.factories import OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
CHECKOUT = {
    "email": "grete@example.com",
    "shipping_method": "standard",
    "full_name": "Grete Müller",
    "line1": "Hauptstraße 1",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "card_number": "4242 4242 4242 4242",
    "expiry": "12/39",
    "cvc": "123",
}


def test_listing_and_cart_speak_german_to_a_german_browser(client):
    # Given a product at 19.90 and a browser asking for German
    lamp = ProductFactory(name="Lampe", price=Decimal("19.90"))
    client.post("/cart/add/", {"product_id": lamp.pk, "quantity": 2}, HTTP_ACCEPT_LANGUAGE="de")

    # When the listing and the cart are opened
    listing = client.get("/products/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    cart = client.get("/cart/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    # Then the pages are German, with German amounts
    assert '<html lang="de">' in listing
    assert "<h1>Alle Produkte</h1>" in listing
    assert "1 Produkt" in listing and f"19,90{NBSP}€" in listing
    assert "In den Warenkorb" in listing
    assert "<h1>Ihr Warenkorb</h1>" in cart
    assert "Zwischensumme (2 Artikel)" in cart and f"39,80{NBSP}€" in cart


def test_an_english_browser_gets_english(client):
    # Given a product / When the listing is opened in English
    ProductFactory(price=Decimal("19.90"))
    html = client.get("/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # Then it is English
    assert '<html lang="en">' in html
    assert "<h1>All products</h1>" in html and "€19.90" in html


def test_the_language_switcher_keeps_the_choice(client):
    # Given an English browser that picks German in the footer of the listing
    response = client.post(
        "/i18n/setlang/",
        {"language": "de"},
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_REFERER="http://testserver/products/",
    )
    assert (response.status_code, response.url) == (302, "http://testserver/products/")

    # When the next page is opened
    html = client.get("/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # Then it is German, and the switcher offers both languages
    assert "<h1>Alle Produkte</h1>" in html
    assert 'data-testid="language-en"' in html and 'data-testid="language-de"' in html


def test_an_order_placed_in_german_gets_german_emails(client):
    # Given a German shopper with 2 lamps at 20.00 in the cart
    lamp = ProductFactory(name="Lampe", price=Decimal("20.00"))
    client.post("/cart/add/", {"product_id": lamp.pk, "quantity": 2}, HTTP_ACCEPT_LANGUAGE="de")
    token = client.get("/checkout/", HTTP_ACCEPT_LANGUAGE="de").context["checkout_token"]

    # When the order is placed in German, and its confirmation is sent later by the worker
    client.post("/checkout/", {**CHECKOUT, "checkout_token": token}, HTTP_ACCEPT_LANGUAGE="de")
    order = Order.objects.get()
    assert send_order_email(order, "confirmation") is True

    # Then the order remembers German, and the email is German with German amounts
    assert order.language == "de"
    message = mail.outbox[0]
    assert message.subject == f"Ihre Bestellung {order.number} ist bestätigt"
    assert message.body.startswith("Hallo Grete Müller,\n")
    assert f"vielen Dank für Ihre Bestellung {order.number}." in message.body
    assert f"  2 x Lampe  40,00{NBSP}€\n" in message.body
    assert f"  Gesamt: 44,90{NBSP}€\n" in message.body
    html, _ = message.alternatives[0]
    assert '<html lang="de">' in html
    assert f"<strong>44,90{NBSP}€</strong>" in html


def test_an_order_placed_in_english_gets_english_emails_in_any_context(client):
    # Given an order placed in English
    order = OrderLineFactory(product=ProductFactory(price=Decimal("19.99"))).order
    assert order.language == "en"

    # When its cancellation is sent while German is active
    with translation.override("de"):
        assert send_order_email(order, "cancelled") is True

    # Then it is English
    assert mail.outbox[0].subject == f"Your order {order.number} has been cancelled"
    assert "Your card has not been charged." in mail.outbox[0].body
