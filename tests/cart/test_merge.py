"""Login merges the anonymous cart into the user's cart, capped by stock, and says so."""

import pytest
from django.contrib.messages import get_messages

from cart import services
from cart.models import Cart, CartItem
from tests.factories import CartItemFactory, ProductFactory, UserFactory, set_stock

pytestmark = pytest.mark.django_db


def _user_lines(user) -> dict[str, int]:
    return dict(CartItem.objects.filter(cart__user=user).values_list("product__name", "quantity"))


def test_login_merges_the_session_cart_capped_by_stock_and_tells_the_shopper(client):
    # Given a user whose cart holds 3 lamps (4 in stock)
    user = UserFactory(email="ada@example.com")
    lamp = set_stock(ProductFactory(name="Lamp"), 4)
    pen = set_stock(ProductFactory(name="Pen"), 10)
    CartItemFactory(cart=Cart.objects.create(user=user), product=lamp, quantity=3)
    # And an anonymous session that added 2 lamps and 1 pen
    client.post("/cart/add/", {"product_id": lamp.pk, "quantity": 2})
    client.post("/cart/add/", {"product_id": pen.pk, "quantity": 1})
    session_key_before = client.session.session_key
    # When they log in through the login page
    response = client.post(
        "/accounts/login/",
        {"username": "ada@example.com", "password": "correct-horse-battery"},
        follow=True,
    )
    # Then the session key rotated, the carts merged (lamps capped at 4) and the anonymous
    # cart is gone
    assert response.status_code == 200
    assert client.session.session_key != session_key_before
    assert _user_lines(user) == {"Lamp": 4, "Pen": 1}
    assert Cart.objects.filter(user__isnull=True).count() == 0
    # And the shopper was told
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages[-2:] == [
        "We added 2 items from your earlier visit to your cart.",
        "Only 4 left of Lamp: your cart now has 4.",
    ]
    assert "Only 4 left of Lamp: your cart now has 4." in response.content.decode()


def test_merge_without_a_user_cart_moves_everything():
    # Given a session cart with 2 pens and a user without a cart
    user = UserFactory()
    pen = ProductFactory(name="Pen")
    session_cart = Cart.objects.create(session_key="anon-1")
    CartItemFactory(cart=session_cart, product=pen, quantity=2)
    # When merged
    messages = services.merge_into_user_cart(session_cart, user)
    # Then the user's new cart holds the pens
    assert messages == ["We added 2 items from your earlier visit to your cart."]
    assert _user_lines(user) == {"Pen": 2}


def test_merge_drops_inactive_and_sold_out_products_with_messages():
    # Given a session cart with an inactive product and one now sold out
    user = UserFactory()
    old = ProductFactory(name="Old Lamp")
    hot = ProductFactory(name="Hot Lamp")
    session_cart = Cart.objects.create(session_key="anon-2")
    CartItemFactory(cart=session_cart, product=old, quantity=1)
    CartItemFactory(cart=session_cart, product=hot, quantity=1)
    old.is_active = False
    old.save()
    set_stock(hot, 0)
    # When merged
    messages = services.merge_into_user_cart(session_cart, user)
    # Then nothing was added, and each problem is named
    assert messages == [
        "Old Lamp is no longer available and was not kept.",
        "Hot Lamp is sold out.",
    ]
    assert _user_lines(user) == {}
    assert not Cart.objects.filter(pk=session_cart.pk).exists()


def test_merge_with_nothing_to_merge_says_nothing():
    # Given no session cart / When merged / Then no messages
    assert services.merge_into_user_cart(None, UserFactory()) == []


def test_login_without_a_session_cart_creates_nothing(client):
    # Given a user who never added anything / When they log in
    user = UserFactory()
    client.force_login(user)
    # Then no cart was created
    assert Cart.objects.count() == 0
