"""Cart pages: anonymous cart, add/update/remove with messages, bad input changes nothing."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from cart.models import Cart, CartItem
from tests.factories import CartItemFactory, ProductFactory, UserFactory, set_stock

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_anonymous_shopper_fills_a_cart_that_lives_with_the_session(client):
    # Given two products and an anonymous shopper
    lamp = ProductFactory(name="Lamp", price=Decimal("20.00"))
    pen = ProductFactory(name="Pen", price=Decimal("1.50"))
    # When they add 2 lamps from the listing (next=/products/) and a pen from its page
    first = client.post(
        "/cart/add/", {"product_id": lamp.pk, "quantity": "2", "next": "/products/"}
    )
    second = client.post(
        "/cart/add/", {"product_id": pen.pk}, HTTP_REFERER=f"/products/{pen.slug}/"
    )
    # Then each redirects back with a message
    assert (first.status_code, first.url) == (302, "/products/")
    assert _messages(first) == ["Added Lamp to your cart (now 2 in it)."]
    assert (second.status_code, second.url) == (302, f"/products/{pen.slug}/")
    # And one session cart holds both, shown with totals on /cart/
    cart = Cart.objects.get()
    assert (cart.user, cart.session_key) == (None, client.session.session_key)
    page = client.get("/cart/")
    assert page.status_code == 200
    summary = page.context["summary"]
    assert [(line.product.name, line.quantity, line.line_total) for line in summary.lines] == [
        ("Lamp", 2, Decimal("40.00")),
        ("Pen", 1, Decimal("1.50")),
    ]
    assert summary.subtotal == Decimal("41.50")
    assert page.context["cart_count"] == 3
    # And other pages show the count in the navigation (one query, when rendered)
    login_page = client.get("/accounts/login/")
    assert 'Cart (<span id="cart-count">3</span>)' in login_page.content.decode()
    assert b'data-testid="checkout-button"' in page.content
    # And another browser sees an empty cart
    other = client.__class__().get("/cart/")
    assert other.context["summary"].is_empty


def test_add_refuses_an_offsite_next_url(client):
    # Given a product / When added with an off-site next / Then the cart page is used instead
    product = ProductFactory()
    response = client.post(
        "/cart/add/", {"product_id": product.pk, "quantity": 1, "next": "https://evil.example/"}
    )
    assert response.url == "/cart/"


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "The quantity must be at least 1."),
        ("-1", "The quantity must be at least 1."),
        ("abc", "Please enter a whole number as the quantity."),
        ("1000", "You can order at most 99 of one product."),
        ("4", "Only 3 left of Lamp. You already have 1 in your cart."),
    ],
)
def test_bad_quantities_on_add_give_a_message_and_change_nothing(client, quantity, message):
    # Given a cart holding 1 lamp (3 in stock)
    lamp = set_stock(ProductFactory(name="Lamp"), 3)
    client.post("/cart/add/", {"product_id": lamp.pk, "quantity": 1})
    # When a bad quantity is added
    response = client.post("/cart/add/", {"product_id": lamp.pk, "quantity": quantity})
    # Then the shopper is told why and the cart still holds 1
    assert response.status_code == 302
    assert _messages(response)[-1] == message
    assert list(CartItem.objects.values_list("quantity", flat=True)) == [1]


def test_unknown_and_inactive_products_give_a_message_and_change_nothing(client):
    # Given an inactive product
    inactive = ProductFactory(name="Old Lamp", is_active=False)
    # When an unknown and then the inactive product are added
    unknown = client.post("/cart/add/", {"product_id": "424242", "quantity": 1})
    gone = client.post("/cart/add/", {"product_id": inactive.pk, "quantity": 1})
    # Then both get a message and no cart line exists
    assert _messages(unknown) == ["That product does not exist."]
    assert _messages(gone)[-1] == "Old Lamp is no longer available."
    assert CartItem.objects.count() == 0


def test_update_and_remove(client):
    # Given a cart with 1 mug (5 in stock)
    mug = set_stock(ProductFactory(name="Mug"), 5)
    client.post("/cart/add/", {"product_id": mug.pk, "quantity": 1})
    # When the quantity is changed to 3
    updated = client.post("/cart/update/", {"product_id": mug.pk, "quantity": "3"})
    # Then the line holds 3
    assert (updated.status_code, updated.url) == (302, "/cart/")
    assert _messages(updated)[-1] == "Updated Mug: 3 in your cart."
    assert CartItem.objects.get().quantity == 3
    # When it is set to 6 (over stock) / Then it is refused and still 3
    refused = client.post("/cart/update/", {"product_id": mug.pk, "quantity": "6"})
    assert _messages(refused)[-1] == "Only 5 left of Mug."
    assert CartItem.objects.get().quantity == 3
    # When removed / Then the cart is empty
    removed = client.post("/cart/remove/", {"product_id": mug.pk})
    assert _messages(removed)[-1] == "Removed the item from your cart."
    assert CartItem.objects.count() == 0


def test_update_and_remove_without_a_cart_give_a_message(client):
    # Given no cart / When update and remove are posted / Then a message, no error page
    product = ProductFactory()
    update = client.post("/cart/update/", {"product_id": product.pk, "quantity": "2"})
    remove = client.post("/cart/remove/", {"product_id": product.pk})
    assert _messages(update) == ["That product is not in your cart."]
    assert _messages(remove)[-1] == "That product is not in your cart."
    assert Cart.objects.count() == 0


def test_cart_changes_need_post(client):
    # Given a shopper / When GET is used on a changing URL / Then 405
    assert client.get("/cart/add/").status_code == 405


def test_posted_prices_are_ignored(client):
    # Given a product at 19.99
    product = ProductFactory(price=Decimal("19.99"))
    # When a shopper posts a price and a total with the add
    client.post(
        "/cart/add/",
        {"product_id": product.pk, "quantity": 2, "price": "0.01", "unit_price": "0.01"},
    )
    # Then the cart uses the database price
    summary = client.get("/cart/").context["summary"]
    assert (summary.lines[0].unit_price, summary.subtotal) == (Decimal("19.99"), Decimal("39.98"))


def test_cart_page_query_count_is_pinned(client, django_assert_max_num_queries):
    # Given a logged-in user with 10 lines in their cart
    user = UserFactory()
    client.force_login(user)
    cart = Cart.objects.create(user=user)
    for _ in range(10):
        CartItemFactory(cart=cart)
    # When the cart page renders (session, user, cart, items with products and stock, VAT
    # rates)
    with django_assert_max_num_queries(5):
        response = client.get("/cart/")
    # Then all 10 lines are shown
    assert response.status_code == 200
    assert response.content.count(b'data-testid="cart-line"') == 10
