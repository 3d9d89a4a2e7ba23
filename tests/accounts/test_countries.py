"""Addresses: countries chosen by name (django-countries, translated), postal codes checked per
country where the format is known, and checkout's saved address hiding the new-address form."""

from decimal import Decimal

import pytest

from accounts.countries import postal_code_error
from accounts.models import Address
from tests.factories import AddressFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = {
    "full_name": "Grete Müller",
    "line1": "Hauptstraße 1",
    "line2": "",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "phone": "",
}


@pytest.fixture
def shopper(client):
    user = UserFactory(email="grete@example.com")
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    ("country", "postal_code", "error"),
    [
        ("DE", "10115", None),
        ("DE", "1011", "Enter a valid postal code for Germany."),
        ("GB", "sw1y 4jh", None),
        ("GB", "12345", "Enter a valid postal code for United Kingdom."),
        ("US", "22201-1234", None),
        ("NL", "1234 AB", None),
        ("IE", "D02 X285", None),  # format not listed: anything goes
    ],
)
def test_postal_codes_are_checked_where_the_format_is_known(country, postal_code, error):
    # Given a country and a postal code / When checked / Then only a wrong format is refused
    assert postal_code_error(country, postal_code) == error


def test_address_form_offers_country_names_in_the_shoppers_language(client, shopper):
    # Given a logged-in shopper / When the address form is opened in English and in German
    english = client.get("/accounts/addresses/add/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    german = client.get("/accounts/addresses/add/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    # Then the country is a select of names
    assert '<select name="country"' in english
    assert '<option value="DE" selected>Germany</option>' in english
    assert '<option value="DE" selected>Deutschland</option>' in german


def test_address_with_a_wrong_postal_code_is_refused_and_a_good_one_saved(client, shopper):
    # Given a German address with a four-digit postal code
    # When it is saved, then corrected
    refused = client.post("/accounts/addresses/add/", {**ADDRESS, "postal_code": "1011"})
    saved = client.post("/accounts/addresses/add/", ADDRESS)

    # Then the first is refused on the postal code, the second saved and listed by name
    assert refused.status_code == 200
    assert refused.context["form"].errors["postal_code"] == [
        "Enter a valid postal code for Germany."
    ]
    assert saved.status_code == 302
    assert Address.objects.get(user=shopper).country == "DE"
    listing = client.get("/accounts/addresses/").content.decode()
    assert "10115 Berlin<br>\n      Germany" in listing


def test_checkout_has_a_country_select_and_a_hideable_new_address_form(client, shopper):
    # Given a shopper with a saved address and something in the cart
    AddressFactory(user=shopper)
    client.post("/cart/add/", {"product_id": ProductFactory(price=Decimal("5.00")).pk})

    # When the checkout page is opened
    html = client.get("/checkout/").content.decode()

    # Then the country is a select, the new-address fields are grouped for checkout.js to
    # hide when a saved address is chosen, and the script is a static file (strict CSP)
    assert '<select name="country"' in html and '<option value="GB">United Kingdom</option>' in html
    assert '<div id="new-address" data-testid="new-address">' in html
    assert 'src="/static/js/checkout.js"' in html
    assert '<label for="id_full_name">Full name *:</label>' in html
    assert "Fields marked * are required." in html
    assert html.count('aria-required="true"') == 9  # email, 5 address fields, 3 card fields
    assert "<script>" not in html
