"""Catalog admin: search, filters, inline stock, bounded queries."""

import pytest

from catalog.models import StockLevel
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


def _change_form_data(client, product) -> dict:
    """The product's admin change form as the browser would post it back, unchanged."""
    response = client.get(f"/admin/catalog/product/{product.pk}/change/")
    data = {}
    for form in [response.context["adminform"].form] + [
        f.form for inline in response.context["inline_admin_formsets"] for f in inline
    ]:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is not None and not isinstance(value, bool):
                data[form.add_prefix(name)] = value
            elif value is True:
                data[form.add_prefix(name)] = "on"
    for inline in response.context["inline_admin_formsets"]:
        mgmt = inline.formset.management_form
        for name in mgmt.fields:
            data[mgmt.add_prefix(name)] = mgmt[name].value()
    data.pop("image", None)
    return data


def test_stock_edit_saves_when_nobody_else_changed_it(staff_client):
    # Given a product with 17 units and its admin page open
    product = ProductFactory(stock__quantity=17)
    data = _change_form_data(staff_client, product)
    # When staff set 25
    response = staff_client.post(
        f"/admin/catalog/product/{product.pk}/change/", {**data, "stock-0-quantity": "25"}
    )
    # Then it is saved
    assert response.status_code == 302
    product.stock.refresh_from_db()
    assert product.stock.quantity == 25


def test_stock_edit_never_overwrites_units_reserved_meanwhile(staff_client):
    # Given a product with 17 units and its admin page open
    product = ProductFactory(stock__quantity=17)
    data = _change_form_data(staff_client, product)
    # When an order reserves 2 units, then staff save the page (quantity untouched, or changed)
    StockLevel.objects.filter(product=product).update(quantity=15)
    untouched = staff_client.post(f"/admin/catalog/product/{product.pk}/change/", data)
    changed = staff_client.post(
        f"/admin/catalog/product/{product.pk}/change/", {**data, "stock-0-quantity": "30"}
    )
    # Then both are refused with a clear message and the reservation stands
    for response in (untouched, changed):
        assert response.status_code == 200
        assert "Stock changed from 17 to 15 while this page was open" in response.content.decode()
    product.stock.refresh_from_db()
    assert product.stock.quantity == 15
    # When staff save again from the re-rendered page (which now knows 15)
    again = changed.context["inline_admin_formsets"][0].formset.forms[0]
    assert again["seen_quantity"].value() == "15"
    response = staff_client.post(
        f"/admin/catalog/product/{product.pk}/change/",
        {**data, "stock-0-quantity": "30", "stock-0-seen_quantity": "15"},
    )
    # Then it is saved
    assert response.status_code == 302
    product.stock.refresh_from_db()
    assert product.stock.quantity == 30


def test_add_product_with_stock(staff_client):
    # Given a category / When staff add a product with 8 units
    category = CategoryFactory(name="Tea", slug="tea")
    response = staff_client.post(
        "/admin/catalog/product/add/",
        {
            "category": category.pk,
            "sku": "TEA-9",
            "slug": "oolong",
            "name": "Oolong",
            "description": "",
            "price": "7.50",
            "tax_class": "reduced",
            "is_active": "on",
            "stock-TOTAL_FORMS": "1",
            "stock-INITIAL_FORMS": "0",
            "stock-MIN_NUM_FORMS": "0",
            "stock-MAX_NUM_FORMS": "1",
            "stock-0-quantity": "8",
            "stock-0-seen_quantity": "",
        },
    )
    # Then the product and its stock exist
    assert response.status_code == 302
    assert StockLevel.objects.get(product__sku="TEA-9").quantity == 8
    assert StockLevel.objects.get(product__sku="TEA-9").product.tax_class == "reduced"
