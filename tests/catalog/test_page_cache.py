"""The anonymous page cache (shop/page_cache.py, catalog/cache.py): a cached catalog page is
shared by anonymous visitors, but what is one visitor's own (CSRF token, cart count, messages,
language) never reaches another, and a stock change shows on the next request after its
commit. Queries per page stay constant in the number of items, cached or not."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django.test import Client

from catalog.models import StockLevel
from shop.page_cache import CART_COUNT_MARKER, CSRF_MARKER
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, UserFactory
from tests.orders import stock

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CART_COUNT = re.compile(r'<span id="cart-count">([^<]*)</span>')


def tokens(html: str) -> set[str]:
    return set(TOKEN.findall(html))


def cart_count(html: str) -> str:
    return CART_COUNT.search(html).group(1)


def get(client: Client, path: str = "/products/") -> tuple[str, str]:
    """(page HTML, X-Page-Cache: "hit", "miss" or "" when the cache was not used)."""
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode(), response.get("X-Page-Cache", "")


def test_a_cached_page_carries_each_visitors_own_csrf_token_and_cart_count():
    # Given a product, visitor A with 2 units of it in the cart, visitor B with none
    product = ProductFactory(name="Teapot")
    a, b = Client(), Client(enforce_csrf_checks=True)
    a.post("/cart/add/", {"product_id": product.pk, "quantity": 2})
    get(a)  # shows (and uses up) A's "added to your cart" message: not from the cache

    # When A loads the listing (rendered and cached), then B (from the cache)
    html_a, state_a = get(a)
    html_b, state_b = get(b)

    # Then B got the page A's visit cached, with B's own token and count, none of A's
    assert (state_a, state_b) == ("miss", "hit")
    assert cart_count(html_a) == "2"
    assert cart_count(html_b) == "0"
    assert len(tokens(html_a)) == 1 and len(tokens(html_b)) == 1
    assert tokens(html_a).isdisjoint(tokens(html_b))
    assert CSRF_MARKER not in html_b and CART_COUNT_MARKER not in html_b
    assert "pagecache" not in html_a + html_b
    # and B's token is accepted for B's own session (CSRF checks on): the add works
    (token_b,) = tokens(html_b)
    added = b.post(
        "/cart/add/", {"product_id": product.pk, "quantity": 1, "csrfmiddlewaretoken": token_b}
    )
    assert added.status_code == 302
    # and A's token is refused for B
    (token_a,) = tokens(html_a)
    refused = b.post(
        "/cart/add/", {"product_id": product.pk, "quantity": 1, "csrfmiddlewaretoken": token_a}
    )
    assert refused.status_code == 403  # a token of another visitor's secret never matches


def test_messages_are_shown_only_to_their_visitor_and_never_cached():
    # Given a listing already in the cache (visitor B loaded it)
    product = ProductFactory(name="Kettle")
    a, b = Client(), Client()
    get(b)
    # and visitor A, who just added a product (a message waits for A)
    a.post("/cart/add/", {"product_id": product.pk, "quantity": 1})

    # When A and then B load the listing
    html_a, state_a = get(a)
    html_b, state_b = get(b)

    # Then A's page was rendered for A with the message; B's came from the cache without it
    assert state_a == ""
    assert "Added Kettle to your cart (now 1 in it)." in html_a
    assert state_b == "hit"
    assert "Added Kettle" not in html_b
    # and A's next page is from the cache (the message was shown once)
    html_a2, state_a2 = get(a)
    assert state_a2 == "hit" and "Added Kettle" not in html_a2 and cart_count(html_a2) == "1"


def test_each_language_has_its_own_cached_page():
    # Given a German visitor and an English one
    ProductFactory(name="Mug")
    german, english = Client(), Client()
    german.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"

    # When both load the listing twice
    pages = {name: [get(c), get(c)] for name, c in (("de", german), ("en", english))}

    # Then each got their language, the second time from the cache
    assert [state for _html, state in pages["de"]] == ["miss", "hit"]
    assert [state for _html, state in pages["en"]] == ["miss", "hit"]
    for html, _state in pages["de"]:
        assert '<html lang="de">' in html and "In den Warenkorb" in html
    for html, _state in pages["en"]:
        assert '<html lang="en">' in html and "Add to cart" in html and "Warenkorb" not in html


def test_signed_in_visitors_get_their_own_rendered_page():
    # Given a cached listing and a signed-in shopper
    ProductFactory(name="Spoon")
    get(Client())
    shopper = UserFactory(email="ada@example.com")
    client = Client()
    client.force_login(shopper)

    # When the shopper loads it / Then it is rendered for them, not taken from the cache
    html, state = get(client)
    assert state == ""
    assert 'title="ada@example.com"' in html


def test_stock_taken_by_an_order_shows_on_the_cached_listing_at_once(
    django_capture_on_commit_callbacks,
):
    # Given a product with 10 in stock, its listing and product page cached
    product = ProductFactory(name="Whisk")
    client = Client()
    get(client)
    get(client, product.get_absolute_url())
    assert "Whisk" in get(client)[0] and get(client)[1] == "hit"
    assert "In stock" in get(client, product.get_absolute_url())[0]
    # and an order for 8 of them
    order = OrderFactory()
    OrderLineFactory(order=order, product=product, quantity=8)

    # When the inventory module reserves them (its conditional UPDATE) and the transaction
    # commits
    with django_capture_on_commit_callbacks(execute=True):
        stock.reserve(order)
    assert StockLevel.objects.get(product=product).quantity == 2

    # Then the very next request shows the new stock on both pages (bound: 0 s after commit)
    listing, state = get(client)
    detail, _ = get(client, product.get_absolute_url())
    assert state == "miss"
    assert "Only 2 left" in listing and "stock-in" not in listing
    assert "Only 2 left" in detail


def test_a_change_that_bypasses_the_version_shows_after_page_cache_seconds(settings):
    # Given a 1 s page cache and a cached listing of a product with 10 in stock
    settings.PAGE_CACHE_SECONDS = 1
    product = ProductFactory(name="Ladle")
    client = Client()
    get(client)

    # When its stock is changed by a bulk UPDATE (no model save, no inventory call)
    StockLevel.objects.filter(product=product).update(quantity=0)

    # Then the cached page may show the old stock until the entry expires, never longer
    time.sleep(1.1)
    listing, state = get(client)
    assert state == "miss"
    assert "Out of stock" in listing


def test_a_price_saved_in_the_admin_way_shows_at_once(django_capture_on_commit_callbacks):
    # Given a cached product page
    product = ProductFactory(name="Sieve", price="10.00")
    client = Client()
    get(client, product.get_absolute_url())

    # When its price is saved through the model (as the admin does)
    with django_capture_on_commit_callbacks(execute=True):
        product.price = "12.50"
        product.save()

    # Then the next request shows the new price
    html, state = get(client, product.get_absolute_url())
    assert state == "miss"
    assert "12.50" in html


@pytest.mark.parametrize("count", [3, 12])
def test_queries_per_listing_do_not_grow_with_the_items(count, django_assert_num_queries, settings):
    # Given `count` products in two categories, and the sidebar's counts already cached
    for n in range(count):
        ProductFactory(name=f"Item {n:02d}", category__name=f"Cat {n % 2}")
    shopper = UserFactory()
    signed_in, anonymous = Client(), Client()
    signed_in.force_login(shopper)
    get(anonymous)

    # When an anonymous visitor (cached page) and a signed-in one (rendered) load the listing
    # Then the cached page costs no query; the rendered one user + cart count + product
    # count + products (the session from the cache), whatever the number of products
    with django_assert_num_queries(0):
        assert get(anonymous)[1] == "hit"
    with django_assert_num_queries(4):
        html, _state = get(signed_in)
    assert html.count('data-testid="product-card"') == count


@pytest.mark.parametrize("related", [1, 4])
def test_queries_per_product_page_do_not_grow_with_the_related_items(
    related, django_assert_num_queries
):
    # Given a product with `related` others in its category
    product = ProductFactory(name="Main", category__name="Pots")
    for n in range(related):
        ProductFactory(name=f"Other {n}", category=product.category)
    shopper = UserFactory()
    signed_in = Client()
    signed_in.force_login(shopper)

    # When a signed-in shopper loads the page (rendered, not cached)
    # Then user + product + gallery + related + cart count (the session from the cache),
    # whatever the related count
    with django_assert_num_queries(5):
        html, _state = get(signed_in, product.get_absolute_url())
    assert html.count('data-testid="product-card"') == related


def test_an_unreachable_cache_costs_neither_the_page_nor_the_stock_write(
    settings, django_capture_on_commit_callbacks
):
    # Given a cache server that can't be reached (nothing listens on port 1)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    product = ProductFactory(name="Colander")
    order = OrderFactory()
    OrderLineFactory(order=order, product=product, quantity=3)

    # When the stock is reserved (the version bump fails after the commit) and a visitor loads
    # the listing
    with django_capture_on_commit_callbacks(execute=True):
        stock.reserve(order)
    html, state = get(Client())

    # Then the reservation stands and the page is rendered without the cache
    assert StockLevel.objects.get(product=product).quantity == 7
    assert state == "" and "Colander" in html and "pagecache" not in html


@pytest.mark.parametrize("path", ["/products/no-such-thing/", "/products/?category=no-such"])
def test_a_not_found_page_is_neither_cached_nor_left_with_markers(path):
    # Given an anonymous visitor / When they load a page that does not exist, twice
    client = Client()
    first, second = client.get(path), client.get(path)

    # Then both are rendered 404s with the visitor's own values, never from the cache
    for response in (first, second):
        html = response.content.decode()
        assert response.status_code == 404
        assert "X-Page-Cache" not in response
        assert "pagecache" not in html
