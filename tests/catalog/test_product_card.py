"""The product card (templates/catalog/_product_card.html): both links go to the product's
page, from one ``get_absolute_url`` call per card."""

from unittest import mock

import pytest

from catalog.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_card_links_to_the_product_page_with_one_url_lookup(client):
    # Given two products
    ProductFactory(name="Apple Corer", slug="apple-corer")
    ProductFactory(name="Banana Tin", slug="banana-tin")

    # When the listing is rendered, counting the URL lookups
    real = Product.get_absolute_url
    with mock.patch.object(Product, "get_absolute_url", autospec=True, side_effect=real) as spy:
        html = client.get("/products/").content.decode()

    # Then each card's image and name link to its page, one lookup per card
    assert html.count('href="/products/apple-corer/"') == 2
    assert html.count('href="/products/banana-tin/"') == 2
    assert spy.call_count == 2
