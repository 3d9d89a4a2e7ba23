"""Catalog endpoints: categories, product listing (pagination, filter, search), detail."""

from decimal import Decimal

import pytest

from tests.factories import CategoryFactory, ProductFactory, set_stock

pytestmark = pytest.mark.django_db


def test_categories_list_and_detail(api):
    # given two categories
    CategoryFactory(name="Teapots", slug="teapots", description="Pots for tea.")
    CategoryFactory(name="Cups", slug="cups")

    # when a client lists them and opens one
    listing = api.get("/api/categories/")
    detail = api.get("/api/categories/teapots/")

    # then both answer with the public fields, sorted by name
    assert listing.status_code == 200
    assert listing.json() == [
        {"slug": "cups", "name": "Cups", "description": ""},
        {"slug": "teapots", "name": "Teapots", "description": "Pots for tea."},
    ]
    assert detail.json() == {"slug": "teapots", "name": "Teapots", "description": "Pots for tea."}


def test_unknown_category_is_a_json_404(api):
    # given no categories
    # when a client asks for one
    response = api.get("/api/categories/nope/")

    # then it gets a JSON 404 with a stable code
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_products_are_paginated_by_20(api):
    # given 25 active products and one inactive
    category = CategoryFactory(slug="things")
    for i in range(25):
        ProductFactory(name=f"Thing {i:02d}", category=category)
    ProductFactory(name="Hidden", is_active=False)

    # when a client reads the first and second page
    first = api.get("/api/products/").json()
    second = api.get("/api/products/?page=2").json()

    # then it gets 20 and 5, inactive ones left out, with links between them
    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["results"][0]["name"] == "Thing 00"
    assert first["next"] == "http://testserver/api/products/?page=2"
    assert [p["name"] for p in second["results"]] == [f"Thing {i}" for i in range(20, 25)]
    assert second["next"] is None


def test_page_out_of_range_is_a_json_404(api):
    # given one product
    ProductFactory()

    # when a client asks for page 9
    response = api.get("/api/products/?page=9")

    # then it gets a JSON 404
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Invalid page."}


def test_products_filtered_by_category_and_search(api):
    # given products in two categories
    teapots = CategoryFactory(name="Teapots", slug="teapots")
    cups = CategoryFactory(name="Cups", slug="cups")
    ProductFactory(name="Blue Teapot", category=teapots)
    ProductFactory(name="Red Teapot", category=teapots)
    ProductFactory(name="Blue Cup", category=cups)

    # when a client filters by category, searches, and does both
    by_category = api.get("/api/products/?category=teapots").json()
    by_search = api.get("/api/products/?search=blue").json()
    both = api.get("/api/products/?category=cups&search=BLUE").json()
    unknown = api.get("/api/products/?category=nope").json()

    # then each returns exactly the matching products
    assert [p["name"] for p in by_category["results"]] == ["Blue Teapot", "Red Teapot"]
    assert [p["name"] for p in by_search["results"]] == ["Blue Cup", "Blue Teapot"]
    assert [p["name"] for p in both["results"]] == ["Blue Cup"]
    assert unknown["count"] == 0


def test_product_detail_with_availability(api):
    # given products with plenty, few and no units in stock
    plenty = ProductFactory(name="Plenty", slug="plenty", sku="SKU-P", price=Decimal("12.50"))
    set_stock(plenty, 40)
    set_stock(ProductFactory(slug="few"), 3)
    set_stock(ProductFactory(slug="none"), 0)

    # when a client opens each
    plenty_json = api.get("/api/products/plenty/").json()
    few_json = api.get("/api/products/few/").json()
    none_json = api.get("/api/products/none/").json()

    # then the exact count is shown only when low or out, like the product page
    assert plenty_json == {
        "id": plenty.pk,
        "slug": "plenty",
        "sku": "SKU-P",
        "name": "Plenty",
        "price": "12.50",
        "category": {"slug": plenty.category.slug, "name": plenty.category.name},
        "stock_state": "in_stock",
        "available_quantity": None,
        "image": None,
        "description": "A fine product.",
        "currency": "EUR",
    }
    assert (few_json["stock_state"], few_json["available_quantity"]) == ("low", 3)
    assert (none_json["stock_state"], none_json["available_quantity"]) == ("out", 0)


def test_inactive_product_detail_is_404(api):
    # given an inactive product
    ProductFactory(slug="gone", is_active=False)

    # when a client opens it
    response = api.get("/api/products/gone/")

    # then it is not found
    assert response.status_code == 404


def test_product_list_query_count_does_not_grow(api, django_assert_max_num_queries):
    # given 20 products in 5 categories
    categories = [CategoryFactory() for _ in range(5)]
    for i in range(20):
        ProductFactory(category=categories[i % 5])

    # when a client lists them
    # then two queries suffice (count + page with category and stock joined)
    with django_assert_max_num_queries(2):
        response = api.get("/api/products/")
    assert len(response.json()["results"]) == 20
