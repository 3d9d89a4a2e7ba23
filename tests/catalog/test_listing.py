"""Product listing: filters, search, pagination, pinned query count; home page."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.views import PAGE_SIZE
from tests.factories import CategoryFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [p.name for p in response.context["products"]]


def test_listing_shows_active_products_by_name_with_add_to_cart_forms(client):
    # Given two active products and an inactive one
    ProductFactory(name="Banana Bread Tin", price=Decimal("12.50"))
    ProductFactory(name="Apple Corer")
    ProductFactory(name="Hidden Thing", is_active=False)
    # When the listing is opened
    response = client.get("/products/")
    # Then only the active ones are listed, sorted by name, each with an add-to-cart form
    assert response.status_code == 200
    assert names(response) == ["Apple Corer", "Banana Bread Tin"]
    html = response.content.decode()
    assert "Hidden Thing" not in html
    assert html.count('action="/cart/add/"') == 2
    assert html.count('name="quantity"') == 2
    assert html.count(">Add to cart</button>") == 2
    assert "€12.50" in html


def test_category_filter(client):
    # Given products in two categories
    tea = CategoryFactory(name="Tea", slug="tea")
    ProductFactory(name="Sencha", category=tea)
    ProductFactory(name="Skillet", category=CategoryFactory(name="Kitchen", slug="kitchen"))
    # When filtered by the tea category
    response = client.get("/products/?category=tea")
    # Then only tea is listed
    assert names(response) == ["Sencha"]
    assert response.context["category"] == tea


def test_unknown_category_is_404(client):
    # Given no such category / When filtered by it / Then not found
    assert client.get("/products/?category=nope").status_code == 404


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("kettle", ["Gooseneck Kettle"]),  # name, case-insensitive
        ("cof-007", ["Gooseneck Kettle"]),  # SKU
        ("thermometer", ["Gooseneck Kettle"]),  # description
        ("steel", ["Steel Pan", "Gooseneck Kettle"]),  # a match in the name ranks first
        ("steel pan", ["Steel Pan"]),  # every word must match
        ("", ["Gooseneck Kettle", "Notebook", "Steel Pan"]),
        ("zzz", []),
    ],
)
def test_text_search(client, q, expected):
    # Given three products
    ProductFactory(name="Gooseneck Kettle", sku="COF-007", description="Steel, with a thermometer.")
    ProductFactory(name="Steel Pan", sku="KIT-001", description="Cast steel.")
    ProductFactory(name="Notebook", sku="OFF-009", description="Dotted paper.")
    # When searching
    response = client.get("/products/", {"q": q})
    # Then the matching products are listed
    assert names(response) == expected


def test_search_within_category(client):
    # Given the same word in two categories
    books = CategoryFactory(name="Books", slug="books")
    ProductFactory(name="Python Book", category=books)
    ProductFactory(name="Python Mug")
    # When searching inside one category
    response = client.get("/products/", {"q": "python", "category": "books"})
    # Then only that category's match is listed
    assert names(response) == ["Python Book"]


def test_pagination(client):
    # Given one more product than fits on a page
    for i in range(PAGE_SIZE + 1):
        ProductFactory(name=f"Item {i:02d}")
    # When the first and second pages are opened
    first = client.get("/products/")
    second = client.get("/products/?page=2")
    # Then the first is full, the second has the rest, and links keep other parameters
    assert PAGE_SIZE == 12
    assert len(names(first)) == 12
    assert names(second) == ["Item 12"]
    assert 'href="?page=2"' in first.content.decode()
    filtered = client.get("/products/", {"q": "item"}).content.decode()
    assert 'href="?q=item&amp;page=2"' in filtered


@pytest.mark.parametrize("page", ["999", "abc", "-1", "0"])
def test_out_of_range_or_junk_page_never_fails(client, page):
    # Given one page of products / When a bad page number is asked for
    ProductFactory(name="Only One")
    response = client.get("/products/", {"page": page})
    # Then a valid page is shown instead of an error
    assert response.status_code == 200
    assert names(response) == ["Only One"]


def _queries_for(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_listing_query_count_does_not_grow_with_products_shown(client):
    # Given 5 products (one part-filled page)
    for i in range(5):
        ProductFactory(name=f"Product {i:02d}")
    five = _queries_for(client, "/products/")
    # When there are 20 (a full page of 12 plus a second page)
    for i in range(5, 20):
        ProductFactory(name=f"Product {i:02d}")
    twenty = _queries_for(client, "/products/")
    # Then the same queries run: count, one page of products with category and stock joined,
    # categories with counts (plus the cart count, if the cart app asks for one)
    assert len(five) == len(twenty)
    assert len(twenty) <= 4


@pytest.mark.parametrize("logged_in", [False, True])
def test_listing_query_count_pinned(client, django_assert_max_num_queries, logged_in):
    # Given 20 products in 4 categories and maybe a logged-in shopper
    for i in range(20):
        ProductFactory(name=f"Product {i:02d}", category=CategoryFactory(name=f"C{i % 4}"))
    if logged_in:
        client.force_login(UserFactory())
    # When the listing is opened, plain and filtered / Then the query count stays pinned
    # (a logged-in page adds the session and the user)
    limit = 6 if logged_in else 4
    with django_assert_max_num_queries(limit):
        client.get("/products/")
    with django_assert_max_num_queries(limit):
        client.get("/products/?category=c1&q=product&page=1")


def test_home_shows_featured_in_stock_products_and_categories(
    client, django_assert_max_num_queries
):
    # Given an in-stock and an out-of-stock product
    tea = CategoryFactory(name="Tea", slug="tea")
    ProductFactory(name="Sencha", category=tea)
    ProductFactory(name="Sold Out Pot", category=tea, stock__quantity=0)
    # When the home page is opened
    with django_assert_max_num_queries(4):
        response = client.get("/")
    # Then the in-stock product is featured and the category tile shows both products
    assert response.status_code == 200
    assert [p.name for p in response.context["featured"]] == ["Sencha"]
    assert [(c.name, c.product_count) for c in response.context["categories"]] == [("Tea", 2)]
    html = response.content.decode()
    assert 'href="/products/?category=tea"' in html
    assert html.count('action="/cart/add/"') == 1


def test_featured_products_mix_categories():
    # Given three new books and one older mug, all in stock
    from catalog.queries import featured_products

    mugs = CategoryFactory(name="Mugs")
    books = CategoryFactory(name="Books")
    ProductFactory(name="Mug", category=mugs)
    for i in range(3):
        ProductFactory(name=f"Book {i}", category=books)
    # When three products are featured
    featured = featured_products(limit=3)
    # Then the newest book comes first and the mug is not crowded out
    assert [p.name for p in featured] == ["Book 2", "Mug", "Book 1"]
