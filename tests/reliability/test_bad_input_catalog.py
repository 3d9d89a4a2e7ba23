"""Bad input catalogue, catalog pages and API: odd query strings and unknown slugs.

Browsing never writes anything and never fails: a bad page number shows a real page, an unknown
category or product is a 404 with the shop's message, and a hostile search is just a search.
"""

from __future__ import annotations

import pytest

from tests.factories import CategoryFactory, ProductFactory, row_counts

pytestmark = pytest.mark.django_db

NOT_FOUND_MESSAGE = "We could not find that page."


@pytest.fixture
def catalog():
    teas = CategoryFactory(name="Teas", slug="teas")
    return [ProductFactory(name=f"Tea {i:02d}", category=teas) for i in range(3)]


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("page=abc", id="page-letters"),
        pytest.param("page=-1", id="page-negative"),
        pytest.param("page=0", id="page-zero"),
        pytest.param("page=99999999999999999999999", id="page-huge"),
        pytest.param("page=1.5", id="page-fraction"),
        pytest.param("page=1&page=2", id="page-twice"),
        pytest.param("q=" + "x" * 5000, id="search-huge"),
        pytest.param("q=%27%20OR%201%3D1--", id="search-sql"),
        pytest.param("q=%25%25%25_", id="search-wildcards"),
        pytest.param("q=%00", id="search-nul"),
        pytest.param("q=tea%00", id="search-nul-inside"),
        pytest.param("q=%3Cscript%3Ealert(1)%3C/script%3E", id="search-script"),
        pytest.param("category=teas&page=abc", id="category-and-bad-page"),
    ],
)
def test_odd_listing_queries_still_show_a_page(client, catalog, query):
    # given a catalog with three teas
    before = row_counts()

    # when the listing is asked with an odd query string
    response = client.get(f"/products/?{query}")

    # then a normal page is shown (never a 500), with nothing written and nothing injected
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert row_counts() == before


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/products/?category=no-such-category", id="unknown-category"),
        pytest.param("/products/?category=%27%20OR%201%3D1", id="category-sql"),
        pytest.param("/products/no-such-product/", id="unknown-product"),
        pytest.param("/products/" + "a" * 300 + "/", id="huge-slug"),
    ],
)
def test_unknown_categories_and_products_are_not_found(client, catalog, path):
    # given a catalog with three teas
    before = row_counts()

    # when a category or product that does not exist is asked for
    response = client.get(path)

    # then it is the shop's 404 page, and nothing is written
    assert response.status_code == 404
    assert NOT_FOUND_MESSAGE in response.content.decode()
    assert row_counts() == before


def test_inactive_product_page_is_not_found(client):
    # given a product taken off sale
    ProductFactory(name="Retired Kettle", slug="retired-kettle", is_active=False)

    # when its page is opened
    response = client.get("/products/retired-kettle/")

    # then it is gone for shoppers
    assert response.status_code == 404
    assert "Retired Kettle" not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("page=abc", id="page-letters"),
        pytest.param("page=-1", id="page-negative"),
        pytest.param("page=99999", id="page-beyond"),
    ],
)
def test_api_bad_page_numbers_are_a_clean_404(client, catalog, query):
    # given a catalog with three teas
    # when the products API is asked for a page that does not exist
    response = client.get(f"/api/products/?{query}")

    # then it is a JSON 404 that says so
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Invalid page."}


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("search=" + "x" * 5000, id="search-huge"),
        pytest.param("search=%27%20OR%201%3D1--", id="search-sql"),
        pytest.param("category=no-such-category", id="unknown-category"),
    ],
)
def test_api_odd_filters_return_an_empty_list(client, catalog, query):
    # given a catalog with three teas
    # when the products API is filtered with something odd
    response = client.get(f"/api/products/?{query}")

    # then it answers normally, with nothing matching
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_api_control_characters_in_search_are_dropped(client, catalog):
    # given a catalog with three teas
    # when the products API is searched for a NUL byte (which PostgreSQL can't even compare)
    response = client.get("/api/products/?search=%00")

    # then the search is treated as empty: every product, no 500
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["results"]] == ["Tea 00", "Tea 01", "Tea 02"]
