"""Saved addresses: list, add, edit, delete, default; strictly per user."""

import pytest

from accounts.models import Address
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "full_name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "line2": "",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "gb",
    "phone": "",
}


@pytest.fixture
def shopper(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_addresses_require_login(client):
    # Given an anonymous visitor / When the addresses page is opened
    response = client.get("/accounts/addresses/")
    # Then they are sent to the login page and back afterwards
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/addresses/"


def test_list_shows_only_own_addresses(client, shopper, django_assert_max_num_queries):
    # Given two addresses of the shopper and one of someone else
    AddressFactory(user=shopper, line1="1 Mine Street")
    AddressFactory(user=shopper, line1="2 Mine Street")
    AddressFactory(line1="9 Other Street")
    # When the list is opened
    with django_assert_max_num_queries(6):
        html = client.get("/accounts/addresses/").content.decode()
    # Then only the shopper's addresses appear
    assert "1 Mine Street" in html
    assert "2 Mine Street" in html
    assert "9 Other Street" not in html


def test_first_address_becomes_default_and_country_is_normalised(client, shopper):
    # Given no address / When one is added
    response = client.post("/accounts/addresses/add/", VALID)
    # Then it is saved as default with an upper-case country
    assert response.status_code == 302
    assert response["Location"] == "/accounts/addresses/"
    address = Address.objects.get(user=shopper)
    assert address.is_default is True
    assert address.country == "GB"
    # When a second one is added
    client.post("/accounts/addresses/add/", {**VALID, "line1": "2 Other Road"})
    # Then the first stays the default
    assert list(Address.objects.filter(user=shopper, is_default=True)) == [address]


def test_add_with_missing_fields_shows_errors_and_saves_nothing(client, shopper):
    # Given the add form / When required fields are empty and the country is wrong
    response = client.post(
        "/accounts/addresses/add/", {**VALID, "line1": "", "city": "", "country": "Germany"}
    )
    # Then errors are shown per field and nothing is saved
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("This field is required.") == 2
    assert "Enter the two-letter country code" in html
    assert 'aria-describedby="id_line1_error"' in html
    assert Address.objects.count() == 0


def test_edit_own_address(client, shopper):
    # Given an address / When it is edited
    address = AddressFactory(user=shopper, is_default=True)
    response = client.post(f"/accounts/addresses/{address.pk}/edit/", {**VALID, "city": "Bath"})
    # Then the change is saved
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.city == "Bath"
    assert address.is_default is True


def test_set_default_moves_the_flag(client, shopper):
    # Given a default and a second address
    first = AddressFactory(user=shopper, is_default=True)
    second = AddressFactory(user=shopper, is_default=False)
    # When the second is made default
    response = client.post(f"/accounts/addresses/{second.pk}/default/")
    # Then it is the only default
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)


def test_deleting_default_promotes_another(client, shopper):
    # Given a default and another address
    default = AddressFactory(user=shopper, is_default=True)
    other = AddressFactory(user=shopper, is_default=False)
    # When the confirmation page is shown and the default deleted
    assert client.get(f"/accounts/addresses/{default.pk}/delete/").status_code == 200
    response = client.post(f"/accounts/addresses/{default.pk}/delete/")
    # Then the other becomes the default
    assert response.status_code == 302
    other.refresh_from_db()
    assert list(Address.objects.filter(user=shopper)) == [other]
    assert other.is_default is True


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", "edit/"),
        ("post", "edit/"),
        ("get", "delete/"),
        ("post", "delete/"),
        ("post", "default/"),
    ],
)
def test_other_users_address_is_404(client, shopper, method, suffix):
    # Given someone else's address
    theirs = AddressFactory(city="Paris")
    # When the shopper tries to view or change it
    response = getattr(client, method)(f"/accounts/addresses/{theirs.pk}/{suffix}", VALID)
    # Then it is not found and unchanged
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.city == "Paris"


def test_set_default_requires_post(client, shopper):
    # Given an address / When the default URL is opened with GET
    address = AddressFactory(user=shopper)
    # Then it is refused
    assert client.get(f"/accounts/addresses/{address.pk}/default/").status_code == 405
