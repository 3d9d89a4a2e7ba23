"""What shoppers see: the voucher applied on the cart page and at checkout, the discount line,
"incl. VAT" (gross prices) or "+ VAT" (net) with the tax per rate, on the cart page, the
checkout review, the confirmation and order pages and the confirmation email."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from orders.models import Order
from orders.notifications import render as render_email
from tests.factories import ProductFactory
from tests.promotions.factories import VoucherFactory

pytestmark = pytest.mark.django_db

FORM = {
    "email": "ada@example.com",
    "shipping_method": "standard",
    "full_name": "Ada Lovelace",
    "line1": "Unter den Linden 1",
    "city": "Berlin",
    "postal_code": "10117",
    "country": "DE",
    "card_number": "4242 4242 4242 4242",
    "expiry": "12/39",
    "cvc": "123",
}


def cell(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">(?:<strong>|<small>)?([^<]*)<', html)
    assert match, f"no {testid}"
    return match.group(1)


def fill(client, price: str = "19.99", quantity: int = 2, tax_class: str = "standard"):
    product = ProductFactory(price=Decimal(price), tax_class=tax_class)
    client.post("/cart/add/", {"product_id": product.pk, "quantity": quantity})
    return product


def messages_of(response) -> list[str]:
    """The messages this answer added (earlier ones wait in the session until a page shows
    them)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1:]


def test_cart_page_applies_a_voucher_and_shows_discount_and_vat(client):
    # Given 2 x 19.99 in the cart and a 10 % voucher
    fill(client)
    VoucherFactory(code="TEN", value=Decimal("10"))
    # When the shopper applies it (in small letters)
    applied = client.post("/cart/voucher/", {"code": " ten "})
    # Then they are back on the cart, told so, and the cart shows the discount, the total and
    # the VAT in it (the shop's country, Germany, until an address is known)
    assert (applied.status_code, applied.url) == (302, "/cart/")
    assert messages_of(applied) == ["The voucher TEN was applied."]
    html = client.get("/cart/").content.decode()
    assert cell(html, "cart-subtotal") == "€39.98"
    assert cell(html, "cart-discount") == "-€4.00"
    assert cell(html, "cart-total") == "€35.98"
    assert cell(html, "cart-vat-19") == "€5.74"
    assert "Voucher TEN" in html and "incl. 19% VAT" in html
    assert 'data-testid="voucher-applied"' in html
    assert "VAT as for delivery to Germany" in html


def test_cart_page_refuses_a_bad_code_and_removes_a_voucher(client):
    # Given a cart of 39.98 and a voucher for 50.00 or more
    fill(client)
    VoucherFactory(code="BIG", minimum_subtotal=Decimal("50"))
    # When the shopper tries an unknown code, then the big one
    unknown = client.post("/cart/voucher/", {"code": "NOPE"})
    small = client.post("/cart/voucher/", {"code": "BIG"})
    # Then each is refused with its reason and the cart has no discount
    assert messages_of(unknown) == ["This voucher code does not exist."]
    assert messages_of(small) == ["The voucher BIG needs a subtotal of at least €50.00."]
    assert 'data-testid="cart-discount"' not in client.get("/cart/").content.decode()
    # When a valid voucher is applied and then removed
    VoucherFactory(code="TEN", value=Decimal("10"))
    client.post("/cart/voucher/", {"code": "TEN"})
    removed = client.post("/cart/voucher/", {"action": "remove"})
    # Then the cart is back to full price
    assert messages_of(removed) == ["The voucher was removed."]
    html = client.get("/cart/").content.decode()
    assert 'data-testid="cart-discount"' not in html
    assert cell(html, "cart-total") == "€39.98"


def test_a_voucher_that_expired_in_the_cart_says_so_and_gives_nothing(client):
    # Given a voucher applied to the cart, then deactivated by staff
    fill(client)
    voucher = VoucherFactory(code="TEN", value=Decimal("10"))
    client.post("/cart/voucher/", {"code": "TEN"})
    voucher.is_active = False
    voucher.save()
    # When the cart is shown / Then the problem is said and no discount is given
    html = client.get("/cart/").content.decode()
    assert "The voucher TEN is no longer valid. It gives no discount now." in html
    assert cell(html, "cart-total") == "€39.98"


def test_net_prices_show_plus_vat(client, settings):
    # Given prices entered net, a 10.00 book (reduced) and a 20.00 lamp in the cart
    settings.PRICES_INCLUDE_TAX = False
    fill(client, "10.00", 1, "reduced")
    fill(client, "20.00", 1)
    # When the cart is shown
    html = client.get("/cart/").content.decode()
    # Then VAT is added per rate (Germany: 19 % of 20.00, 7 % of 10.00) before the total
    assert cell(html, "cart-vat-19") == "€3.80"
    assert cell(html, "cart-vat-7") == "€0.70"
    assert cell(html, "cart-total") == "€34.50"
    assert "+ 19% VAT" in html and "Prices exclude VAT; VAT is added." in html
    assert html.index('data-testid="cart-vat-19"') < html.index('data-testid="cart-total"')


def test_checkout_review_and_order_pages_show_discount_shipping_and_vat(client, mailoutbox):
    # Given 2 x 19.99 with a 10 % voucher applied at checkout
    fill(client)
    VoucherFactory(code="TEN", value=Decimal("10"))
    applied = client.post("/cart/voucher/", {"code": "TEN", "next": "/checkout/"})
    assert applied.url == "/checkout/"
    # When the checkout page is shown
    page = client.get("/checkout/")
    html = page.content.decode()
    # Then the review has the discount, shipping, the total and the VAT in it
    assert cell(html, "review-discount") == "-€4.00"
    assert cell(html, "review-shipping") == "€4.90"
    assert cell(html, "review-total") == "€40.88"
    assert cell(html, "review-vat-19") == "€6.52"
    assert "(order total €40.88)" in html
    assert "(order total €50.88)" in html  # express
    # When the order is placed (to Berlin)
    response = client.post(
        "/checkout/",
        {
            **FORM,
            "checkout_token": page.context["checkout_token"],
            "cart_version": page.context["cart_version"],
        },
    )
    # Then the confirmation and the order page show the same, from the stored amounts
    order = Order.objects.get()
    assert response.url == f"/checkout/done/{order.number}/"
    done = client.get(response.url).content.decode()
    assert cell(done, "confirmation-lines-discount") == "-€4.00"
    assert cell(done, "order-total") == "€40.88"
    assert cell(done, "confirmation-lines-vat-19") == "€6.52"
    detail = client.get(f"/orders/{order.number}/").content.decode()
    assert cell(detail, "detail-subtotal") == "€39.98"
    assert cell(detail, "detail-discount") == "-€4.00"
    assert cell(detail, "detail-shipping") == "€4.90"
    assert cell(detail, "detail-total") == "€40.88"
    assert cell(detail, "detail-vat-19") == "€6.52"
    # And the confirmation email's totals say it too
    _, text, email_html = render_email(order, "confirmation")
    assert (
        "  Subtotal: €39.98\n  Voucher TEN: -€4.00\n  Shipping: €4.90\n  Total: €40.88\n"
        "  incl. 19% VAT: €6.52\n"
    ) in text
    assert "incl. 19% VAT" in email_html and "-€4.00" in email_html


def test_a_voucher_taken_meanwhile_is_refused_at_checkout_with_the_new_total(client):
    # Given a single-use voucher in the cart, reviewed at checkout, then used up elsewhere
    fill(client)
    voucher = VoucherFactory(code="SOLO", value=Decimal("10"), usage_limit=1)
    client.post("/cart/voucher/", {"code": "SOLO"})
    page = client.get("/checkout/")
    voucher.times_used = 1
    voucher.save()
    # When the shopper places the order
    response = client.post(
        "/checkout/",
        {
            **FORM,
            "checkout_token": page.context["checkout_token"],
            "cart_version": page.context["cart_version"],
        },
    )
    # Then nothing is placed; the page says why and reviews the full price
    assert response.status_code == 200
    assert Order.objects.count() == 0
    html = response.content.decode()
    assert (
        "The voucher SOLO has been used up. It was removed from your cart; please check your "
        "order again."
    ) in html
    assert cell(html, "review-total") == "€44.88"
    # And the updated review can be placed at that price
    again = client.post(
        "/checkout/",
        {
            **FORM,
            "checkout_token": response.context["checkout_token"],
            "cart_version": response.context["cart_version"],
        },
    )
    assert again.status_code == 302
    assert Order.objects.get().total == Decimal("44.88")


def test_german_pages_say_inkl_mwst(client):
    # Given a German shopper with a reduced-rate book in the cart
    client.cookies["django_language"] = "de"
    fill(client, "10.00", 1, "reduced")
    # When the cart is shown in German
    html = client.get("/cart/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    # Then the VAT line is German
    assert "inkl. 7% MwSt." in html
    assert cell(html, "cart-vat-7") == "0,65\xa0€"


def test_net_prices_order_page_adds_vat_after_the_net_amounts(client, settings):
    # Given net prices, a 20.00 lamp and a 10 % voucher, ordered to Berlin
    settings.PRICES_INCLUDE_TAX = False
    fill(client, "20.00", 1)
    VoucherFactory(code="TEN", value=Decimal("10"))
    client.post("/cart/voucher/", {"code": "TEN"})
    page = client.get("/checkout/")
    client.post(
        "/checkout/",
        {
            **FORM,
            "checkout_token": page.context["checkout_token"],
            "cart_version": page.context["cart_version"],
        },
    )
    order = Order.objects.get()
    # When its page is shown
    html = client.get(f"/orders/{order.number}/").content.decode()
    # Then the net amounts come first (20.00 - 2.00 + 4.90), VAT is added (19 % of 18.00 is
    # 3.42, of 4.90 is 0.93), and the total is what was authorized
    assert cell(html, "detail-subtotal") == "€20.00"
    assert cell(html, "detail-discount") == "-€2.00"
    assert cell(html, "detail-shipping") == "€4.90"
    assert cell(html, "detail-vat-19") == "€4.35"
    assert cell(html, "detail-total") == "€27.25"
    assert "+ 19% VAT" in html and "Shipping (net)" in html
    assert (order.total, order.discount_total) == (Decimal("27.25"), Decimal("2.38"))
