"""Search and browse: ranking (full-text on PostgreSQL, a fallback elsewhere), category names,
sorting, the in-stock filter, the heading, and a pinned query count."""

from decimal import Decimal

import pytest
from django.db import connection

from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [p.name for p in response.context["products"]]


@pytest.fixture
def shelf():
    coffee = CategoryFactory(name="Coffee", slug="coffee")
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    ProductFactory(name="Tea Towel", category=kitchen, description="Dries cups of coffee too.")
    ProductFactory(name="Coffee Grinder", category=coffee, description="Burr grinder.")
    ProductFactory(name="Pour-over Dripper", category=coffee, description="Ceramic dripper.")
    ProductFactory(name="Bread Knife", category=kitchen, description="Serrated.")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search: PostgreSQL")
def test_coffee_finds_the_coffee_products_first_on_postgresql(client, shelf):
    # Given a grinder named coffee, a dripper in the Coffee category and a towel whose
    # description mentions coffee
    # When searching "coffee" (and the plural "coffees": stemmed the same)
    response = client.get("/products/", {"q": "coffee"})
    plural = client.get("/products/", {"q": "coffees"})

    # Then the name match ranks first, then the category match, then the description match
    assert names(response) == ["Coffee Grinder", "Pour-over Dripper", "Tea Towel"]
    assert names(plural) == ["Coffee Grinder", "Pour-over Dripper", "Tea Towel"]


def test_search_finds_category_names_and_ranks_names_first(client, shelf):
    # Given the shelf / When searching "coffee"
    response = client.get("/products/", {"q": "coffee"})

    # Then the dripper is found through its category, and the name match comes first
    found = names(response)
    assert found[0] == "Coffee Grinder"
    assert sorted(found) == ["Coffee Grinder", "Pour-over Dripper", "Tea Towel"]
    html = response.content.decode()
    assert "<h1>Search results for “coffee”</h1>" in html
    assert '<option value="relevance" selected>Best match</option>' in html


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price", ["Cheap", "Middle", "Dear"]),
        ("-price", ["Dear", "Middle", "Cheap"]),
        ("name", ["Cheap", "Dear", "Middle"]),
        ("newest", ["Middle", "Dear", "Cheap"]),
        ("bogus", ["Cheap", "Dear", "Middle"]),  # unknown: by name
    ],
)
def test_sorting(client, sort, expected):
    # Given three products created in the order Cheap, Dear, Middle
    ProductFactory(name="Cheap", price=Decimal("1.00"))
    ProductFactory(name="Dear", price=Decimal("90.00"))
    ProductFactory(name="Middle", price=Decimal("10.00"))

    # When the listing is sorted
    response = client.get("/products/", {"sort": sort})

    # Then the order follows the choice
    assert names(response) == expected


def test_in_stock_filter(client):
    # Given one product in stock and one sold out
    ProductFactory(name="Kept")
    ProductFactory(name="Gone", stock__quantity=0)

    # When only products in stock are asked for
    response = client.get("/products/", {"in_stock": "1"})

    # Then the sold-out one is left out and the box stays ticked
    assert names(response) == ["Kept"]
    assert 'name="in_stock" value="1" checked' in response.content.decode()


def test_search_query_count_is_pinned(client, shelf, django_assert_max_num_queries):
    # Given the shelf / When searching, sorted and filtered / Then the queries stay pinned
    with django_assert_max_num_queries(4):
        client.get("/products/", {"q": "coffee", "sort": "price", "in_stock": "1"})
