"""Product specifications: a definition list on the product page, labels in the shopper's
language, filled for the demo catalog."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog import demo_data
from catalog.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_specifications_are_a_definition_list_in_label_order(client):
    # Given a product whose specifications were written in another order, with an unknown key
    ProductFactory(
        name="Sencha",
        slug="sencha",
        specifications={"weight": "100 g", "origin": "Japan", "harvest": "First flush"},
    )
    # When its page is opened in English and in German
    english = client.get("/products/sencha/").content.decode()
    german = client.get("/products/sencha/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    # Then the known keys come in their fixed order, the unknown one last as written
    assert "<h2>Specifications</h2>" in english
    assert (
        '<dl class="specs" data-testid="specifications">\n'
        "      <dt>Origin</dt><dd>Japan</dd>\n"
        "      <dt>Weight</dt><dd>100 g</dd>\n"
        "      <dt>Harvest</dt><dd>First flush</dd>\n"
        "      \n    </dl>"
    ) in english
    assert "<h2>Technische Daten</h2>" in german
    assert "<dt>Herkunft</dt><dd>Japan</dd>" in german
    assert "<dt>Gewicht</dt><dd>100 g</dd>" in german


def test_no_specifications_no_list(client):
    # Given a product without specifications / When its page is opened / Then no empty list
    ProductFactory(name="Teapot", slug="teapot")
    html = client.get("/products/teapot/").content.decode()
    assert 'data-testid="specifications"' not in html
    assert "Specifications" not in html


def test_demo_catalog_has_specifications_for_every_product():
    # Given an empty database / When the demo seed runs
    call_command("seed_demo", stdout=StringIO())
    # Then every product has at least two specifications, e.g. the Ethiopian beans
    products = list(Product.objects.all())
    assert len(products) == len(demo_data.PRODUCTS) == 45
    assert all(len(p.specification_rows) >= 2 for p in products)
    beans = Product.objects.get(sku="COF-001")
    assert beans.specification_rows == [
        ("Origin", "Ethiopia, Yirgacheffe"),
        ("Roast", "Light"),
        ("Weight", "250 g"),
    ]
