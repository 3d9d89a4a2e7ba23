"""Catalog admin: search, filters, inline stock, bounded queries."""

import pytest

from tests.factories import CategoryFactory, ProductFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def test_product_changelist_queries_do_not_grow(staff_client, django_assert_max_num_queries):
    # Given 30 products in 3 categories
    for i in range(30):
        ProductFactory(name=f"Widget {i:02d}", category=CategoryFactory(name=f"Cat {i % 3}"))
    # When the changelist is opened / Then category and stock come in the same query
    with django_assert_max_num_queries(12):
        response = staff_client.get("/admin/catalog/product/")
    assert response.status_code == 200
    assert "30 products" in response.content.decode()


def test_product_search_and_filters(staff_client):
    # Given products in two categories, one inactive
    tea = CategoryFactory(name="Tea", slug="tea")
    ProductFactory(name="Sencha", sku="TEA-1", category=tea)
    ProductFactory(name="Matcha", sku="TEA-2", category=tea, is_active=False)
    ProductFactory(name="Pan", sku="KIT-1")
    # When searching by SKU and filtering by category and active flag
    by_sku = staff_client.get("/admin/catalog/product/", {"q": "TEA-2"})
    by_filter = staff_client.get(
        "/admin/catalog/product/", {"category__id__exact": tea.pk, "is_active__exact": "1"}
    )
    # Then the right products are listed
    assert [p.name for p in by_sku.context["cl"].result_list] == ["Matcha"]
    assert [p.name for p in by_filter.context["cl"].result_list] == ["Sencha"]


def test_product_change_page_has_stock_inline(staff_client):
    # Given a product with 17 units / When its admin page opens / Then stock is editable inline
    product = ProductFactory(stock__quantity=17)
    response = staff_client.get(f"/admin/catalog/product/{product.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="stock-0-quantity"' in html
    assert 'value="17"' in html
