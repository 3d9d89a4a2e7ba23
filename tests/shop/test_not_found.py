"""With DEBUG on, a missing page is still the shop's own page (not Django's technical 404)."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_the_shops_page_even_with_debug(client, settings):
    # Given DEBUG on
    settings.DEBUG = True

    # When a missing URL and a missing product are opened
    missing = client.get("/no-such-page/")
    product = client.get("/products/no-such-product/")

    # Then both answer 404 with the shop's page, without Django's technical details
    for response in (missing, product):
        html = response.content.decode()
        assert response.status_code == 404
        assert "<h1>Not found</h1>" in html and "We could not find that page." in html
        assert "URLconf" not in html and "Back to the shop" in html


def test_the_technical_page_can_be_asked_for(client, settings):
    # Given DEBUG on and the technical page asked for / When a missing URL is opened
    settings.DEBUG = True
    settings.SHOW_TECHNICAL_404 = True
    response = client.get("/no-such-page/")

    # Then Django's page answers
    assert response.status_code == 404
    assert "URLconf" in response.content.decode()
