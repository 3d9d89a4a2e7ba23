"""Bad input catalogue, checkout page (``/checkout/``) and its confirmation.

A rejected checkout re-renders the form (200) with the reason next to the field, never echoes
card data back, and writes no order, line, event or payment; the cart keeps its lines. Prices
and totals always come from the database, whatever the form carries. Requests the framework
refuses (no CSRF token, too many fields, too large) are 4xx pages with a clear message.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client

from orders.models import Order
from tests.factories import AddressFactory, ProductFactory, UserFactory, row_counts

pytestmark = pytest.mark.django_db

CSRF_MESSAGE = "Your session expired or cookies are blocked."
REQUIRED = "This field is required."


@pytest.fixture
def teapot():
    return ProductFactory(name="Teapot", sku="TEA-1", price=Decimal("24.50"))


@pytest.fixture
def shopper(client, teapot) -> Client:
    """An anonymous shopper with two teapots in the cart."""
    response = client.post("/cart/add/", {"product_id": str(teapot.pk), "quantity": "2"})
    assert response.status_code == 302
    return client


def _form(**overrides) -> dict[str, str]:
    data = {
        "email": "guest@example.com",
        "full_name": "Grace Hopper",
        "line1": "2 Compiler Road",
        "city": "Arlington",
        "postal_code": "22201",
        "country": "US",
        "shipping_method": "standard",
        "card_number": "4242424242424242",
        "expiry": "12/39",
        "cvc": "123",
        "checkout_token": uuid.uuid4().hex,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _field_errors(response) -> dict[str, list[str]]:
    form = response.context["form"]
    return {name: list(errors) for name, errors in form.errors.items()}


def test_a_valid_checkout_places_the_order(shopper):
    # given a shopper with two teapots in the cart (the control for everything below)
    # when they check out with valid details
    response = shopper.post("/checkout/", _form())

    # then the order is placed, priced from the database
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/checkout/done/{order.number}/"
    assert (order.subtotal, order.shipping_cost, order.total) == (
        Decimal("49.00"),
        Decimal("4.90"),
        Decimal("53.90"),
    )


BAD_FIELDS = [
    pytest.param({"email": ""}, {"email": [REQUIRED]}, id="email-missing"),
    pytest.param(
        {"email": "not-an-email"}, {"email": ["Enter a valid email address."]}, id="email-bad"
    ),
    pytest.param(
        {"email": "a" * 300 + "@example.com"},
        {"email": ["Ensure this value has at most 254 characters (it has 312)."]},
        id="email-huge",
    ),
    pytest.param({"full_name": ""}, {"full_name": [REQUIRED]}, id="name-missing"),
    pytest.param(
        {"full_name": "x" * 151},
        {"full_name": ["Ensure this value has at most 150 characters (it has 151)."]},
        id="name-too-long",
    ),
    pytest.param(
        {"line1": None, "city": None},
        {"line1": [REQUIRED], "city": [REQUIRED]},
        id="address-fields-absent",
    ),
    pytest.param(
        {"country": "U1"}, {"country": ["Enter a two-letter country code, e.g. DE."]}, id="country"
    ),
    pytest.param(
        {"shipping_method": "teleport"},
        {
            "shipping_method": [
                "Select a valid choice. teleport is not one of the available choices."
            ]
        },
        id="unknown-shipping-method",
    ),
    pytest.param(
        {"card_number": "4242424242424241"},
        {"card_number": ["That card number is not valid."]},
        id="card-luhn",
    ),
    pytest.param(
        {"card_number": "abcd efgh ijkl mnop"},
        {"card_number": ["That card number is not valid."]},
        id="card-letters",
    ),
    pytest.param(
        {"card_number": "4" * 31},
        {"card_number": ["Ensure this value has at most 30 characters (it has 31)."]},
        id="card-huge",
    ),
    pytest.param({"card_number": ""}, {"card_number": [REQUIRED]}, id="card-missing"),
    pytest.param({"expiry": "01/20"}, {"expiry": ["That card has expired."]}, id="expired"),
    pytest.param(
        {"expiry": "13/39"},
        {"expiry": ["The expiry month must be between 1 and 12."]},
        id="expiry-month",
    ),
    pytest.param({"expiry": "soon"}, {"expiry": ["Enter the expiry as MM/YY."]}, id="expiry-text"),
    pytest.param(
        {"expiry": "-1/-1"}, {"expiry": ["Enter the expiry as MM/YY."]}, id="expiry-negative"
    ),
    pytest.param(
        {"cvc": "12"}, {"cvc": ["The security code must be 3 or 4 digits."]}, id="cvc-short"
    ),
    pytest.param(
        {"cvc": "12a"}, {"cvc": ["The security code must be 3 or 4 digits."]}, id="cvc-letters"
    ),
    pytest.param(
        {"checkout_token": "../../etc"},
        {"checkout_token": ["This checkout form expired; please submit it again."]},
        id="token-tampered",
    ),
    pytest.param(
        {"checkout_token": "f" * 65},
        {"checkout_token": ["Ensure this value has at most 64 characters (it has 65)."]},
        id="token-huge",
    ),
]


@pytest.mark.parametrize("overrides, errors", BAD_FIELDS)
def test_bad_checkout_fields_rerender_the_form(shopper, overrides, errors):
    # given a shopper with two teapots in the cart
    before = row_counts()

    # when they submit the checkout form with a bad field
    response = shopper.post("/checkout/", _form(**overrides))

    # then the form comes back with the reason at the field, and nothing is written
    assert response.status_code == 200
    assert _field_errors(response) == errors
    html = response.content.decode()
    if set(errors) - {"checkout_token"}:  # a visible field is highlighted
        assert "Please correct the highlighted fields below." in html
    for message in errors.values():
        assert message[0].replace("'", "&#x27;") in html
    assert row_counts() == before


def test_rejected_checkout_never_echoes_card_data(shopper):
    # given a shopper whose address is incomplete but whose card is valid
    # when they submit
    response = shopper.post(
        "/checkout/", _form(full_name="", card_number="4111 1111 1111 1111", cvc="987")
    )

    # then the card number and CVC are not sent back in the page
    html = response.content.decode()
    assert response.status_code == 200
    assert _field_errors(response) == {"full_name": [REQUIRED]}
    # (look at what the page shows, not at random tokens that may contain the same digits)
    visible = re.sub(r'value="[A-Za-z0-9_:-]{16,}"|[?&]t=[^"\s]+', "", html)
    assert "4111 1111" not in html and "4111111111111111" not in html
    assert 'value="987"' not in html
    assert "987" not in visible


def test_tampered_prices_and_totals_are_ignored(shopper):
    # given a shopper with two teapots (24.50 each) in the cart
    # when the checkout form carries made-up prices, totals, status and owner
    response = shopper.post(
        "/checkout/",
        _form(
            price="0.01",
            unit_price="0.01",
            subtotal="0.01",
            shipping_cost="0",
            total="0.01",
            status="completed",
            user="1",
            number="HACKED",
        ),
    )

    # then the order is priced and set up from the database alone
    order = Order.objects.get()
    assert response.status_code == 302
    assert order.number != "HACKED"
    assert order.status == "received"
    assert order.user_id is None
    assert (order.subtotal, order.shipping_cost, order.total) == (
        Decimal("49.00"),
        Decimal("4.90"),
        Decimal("53.90"),
    )
    assert list(order.lines.values_list("sku", "unit_price", "quantity")) == [
        ("TEA-1", Decimal("24.50"), 2)
    ]


def test_someone_elses_saved_address_is_refused(client, teapot):
    # given bob logged in with the teapot in his cart, and alice's saved address
    alice_address = AddressFactory(user=UserFactory(email="alice@example.com"))
    bob = UserFactory(email="bob@example.com")
    client.force_login(bob)
    client.post("/cart/add/", {"product_id": str(teapot.pk), "quantity": "1"})
    before = row_counts()

    # when bob submits checkout naming alice's address
    response = client.post(
        "/checkout/", _form(email=bob.email, saved_address=str(alice_address.pk))
    )

    # then it is not one of his choices and nothing is written
    assert response.status_code == 200
    assert _field_errors(response) == {
        "saved_address": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert row_counts() == before


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(client, teapot):
    # given a visitor with nothing in the cart
    before = row_counts()

    # when they post a complete checkout form anyway
    response = client.post("/checkout/", _form(), follow=True)

    # then they are sent to the cart and told, and nothing is written
    assert response.redirect_chain == [("/cart/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Your cart is empty: add something before checking out."
    ]
    assert row_counts() == before


def test_stock_gone_since_adding_rerenders_with_the_reason(shopper, teapot):
    # given a shopper with two teapots in the cart, and only one left in stock now
    from catalog.models import StockLevel

    StockLevel.objects.filter(product=teapot).update(quantity=1)
    before = row_counts()

    # when they check out
    response = shopper.post("/checkout/", _form())

    # then the form says what to change, and nothing is written
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Only 1 left of Teapot. Please update your cart."
    ]
    assert row_counts() == before


def test_checkout_without_csrf_token_is_forbidden(teapot):
    # given a shopper with a teapot in the cart, in a CSRF-enforcing browser
    browser = Client(enforce_csrf_checks=True)
    browser.get("/products/")
    csrf = browser.cookies["csrftoken"].value
    browser.post(
        "/cart/add/", {"product_id": str(teapot.pk), "quantity": "1", "csrfmiddlewaretoken": csrf}
    )
    before = row_counts()

    # when a cross-site form posts the checkout without the token
    response = browser.post("/checkout/", _form())

    # then it is refused with a clear message, and nothing is written
    assert response.status_code == 403
    assert CSRF_MESSAGE in response.content.decode()
    assert row_counts() == before


def test_checkout_with_too_many_fields_is_a_bad_request(shopper):
    # given a shopper with two teapots in the cart
    before = row_counts()
    flood = {f"f{i}": "x" for i in range(1500)}

    # when the checkout form arrives with 1500 extra fields
    response = shopper.post("/checkout/", {**_form(), **flood})

    # then it is a 400 page with a clear message, and nothing is written
    assert response.status_code == 400
    assert "The request could not be understood." in response.content.decode()
    assert row_counts() == before


def test_checkout_with_an_oversized_body_is_a_bad_request(shopper):
    # given a shopper with two teapots in the cart
    before = row_counts()

    # when the checkout form arrives padded to 3 MB
    response = shopper.post("/checkout/", _form(line2="x" * (3 * 1024 * 1024)))

    # then it is a 400 page with a clear message, and nothing is written
    assert response.status_code == 400
    assert "The request could not be understood." in response.content.decode()
    assert row_counts() == before


def test_confirmation_of_another_sessions_order_is_not_found(shopper):
    # given an order placed by one shopper
    shopper.post("/checkout/", _form())
    number = Order.objects.get().number

    # when someone else opens its confirmation page
    response = Client().get(f"/checkout/done/{number}/")

    # then it does not exist for them
    assert response.status_code == 404
    assert "We could not find that page." in response.content.decode()
    assert number not in response.content.decode()


def test_replayed_checkout_token_of_another_shopper_reveals_nothing(shopper, teapot):
    # given alice's placed order, and mallory who somehow learnt alice's checkout token
    token = uuid.uuid4().hex
    shopper.post("/checkout/", _form(checkout_token=token, email="alice@example.com"))
    alice_order = Order.objects.get()
    mallory = Client()
    mallory.post("/cart/add/", {"product_id": str(teapot.pk), "quantity": "1"})

    # when mallory submits her own checkout with alice's token
    response = mallory.post(
        "/checkout/", _form(checkout_token=token, email="mallory@example.com"), follow=True
    )

    # then she never sees alice's order (number, email, address or private link)
    html = response.content.decode()
    assert alice_order.number not in html
    assert "alice@example.com" not in html
    assert mallory.get(f"/checkout/done/{alice_order.number}/").status_code == 404
