"""Product detail: stock states, add-to-cart form, inactive and unknown products."""

from decimal import Decimal

import pytest

from catalog.models import StockLevel
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("quantity", "text", "css", "button_disabled"),
    [
        (6, "In stock", "stock-in", False),
        (5, "Only 5 left", "stock-low", False),
        (1, "Only 1 left", "stock-low", False),
        (0, "Out of stock", "stock-out", True),
    ],
)
def test_stock_states(client, quantity, text, css, button_disabled):
    # Given a product with some stock
    product = ProductFactory(
        name="Gooseneck Kettle", slug="gooseneck-kettle", stock__quantity=quantity
    )
    # When its page is opened
    response = client.get("/products/gooseneck-kettle/")
    # Then the stock state is shown as text with its class
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<span class="stock {css}">{text}</span>' in html
    assert ("disabled" in html.split('name="quantity"')[1].split("</form>")[0]) is button_disabled
    assert response.context["product"] == product


def test_product_without_stock_row_is_out_of_stock(client):
    # Given a product whose stock row is missing
    product = ProductFactory(slug="ghost")
    StockLevel.objects.filter(product=product).delete()
    # When its page is opened / Then it reads out of stock
    assert "Out of stock" in client.get("/products/ghost/").content.decode()


def test_detail_has_add_to_cart_form(client):
    # Given a product
    product = ProductFactory(
        name="Chef's Knife", slug="chefs-knife", price=Decimal("89.00"), sku="KIT-002"
    )
    # When its page is opened
    html = client.get("/products/chefs-knife/").content.decode()
    # Then it shows the price, SKU and a form posting product_id and quantity to the cart
    assert "€89.00" in html
    assert "<dt>Item number</dt><dd>KIT-002</dd>" in html
    assert '<form method="post" action="/cart/add/"' in html
    assert f'name="product_id" value="{product.pk}"' in html
    assert 'type="number" name="quantity" value="1" min="1"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="next" value="/products/chefs-knife/"' in html


def test_inactive_product_is_404(client):
    # Given an inactive product / When its page is opened / Then it is not found
    ProductFactory(slug="retired", is_active=False)
    response = client.get("/products/retired/")
    assert response.status_code == 404
    assert "We could not find that page." in response.content.decode()


def test_unknown_product_is_404(client):
    # Given nothing / When an unknown slug is opened / Then it is not found
    assert client.get("/products/no-such-thing/").status_code == 404


def test_detail_query_count(client, django_assert_max_num_queries):
    # Given a product with 6 neighbours / When its page is opened / Then product, category and
    # stock come in one query, its further pictures in one more (3 -> 4 with ProductImage: the
    # gallery is one query whatever its size) and the related products in one more
    product = ProductFactory(slug="one")
    for _ in range(6):
        ProductFactory(category=product.category)
    with django_assert_max_num_queries(4):
        client.get("/products/one/")


def test_detail_shows_details_and_related_products_in_stock_first(client):
    # Given a product, a sold-out neighbour, an in-stock neighbour and a stranger
    teapot = ProductFactory(name="Teapot", slug="teapot")
    ProductFactory(name="Sold-out Cup", category=teapot.category, stock__quantity=0)
    ProductFactory(name="Saucer", category=teapot.category)
    ProductFactory(name="Hammer")

    # When the teapot's page is opened
    response = client.get("/products/teapot/")

    # Then its details are listed and its category's other products offered, in stock first
    html = response.content.decode()
    assert [p.name for p in response.context["related"]] == ["Saucer", "Sold-out Cup"]
    assert f"<dt>Category</dt><dd>{teapot.category.name}</dd>" in html
    assert 'data-testid="related"' in html and "You may also like" in html
    assert "Hammer" not in html
