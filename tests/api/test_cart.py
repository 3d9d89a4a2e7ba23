"""Cart endpoints for anonymous sessions and token users."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from cart.models import CartItem
from tests.factories import CartFactory, CartItemFactory, ProductFactory, UserFactory, set_stock

pytestmark = pytest.mark.django_db


def test_anonymous_cart_add_change_remove(api):
    # given two products
    pot = ProductFactory(name="Teapot", slug="teapot", sku="POT", price=Decimal("20.00"))
    cup = ProductFactory(name="Cup", slug="cup", sku="CUP", price=Decimal("4.50"))

    # when an anonymous client adds both, changes one and removes the other
    empty = api.get("/api/cart/").json()
    added = api.post("/api/cart/items/", {"product_id": pot.pk, "quantity": 2}, format="json")
    api.post("/api/cart/items/", {"product_id": cup.pk}, format="json")
    changed = api.patch(f"/api/cart/items/{cup.pk}/", {"quantity": 3}, format="json")
    removed = api.delete(f"/api/cart/items/{pot.pk}/")

    # then each answer is the whole cart, priced from the database
    no_voucher = {"voucher_code": "", "voucher_problem": "", "free_shipping": False}
    assert empty == {
        "lines": [],
        "item_count": 0,
        "subtotal": "0.00",
        **no_voucher,
        "discount": "0.00",
        "prices_include_tax": True,
        "tax_country": "DE",
        "taxes": [],
        "tax_total": "0.00",
        "total": "0.00",
        "currency": "EUR",
    }
    assert added.status_code == 201
    # (gross prices, VAT of the shop's country until checkout: 19 % in 40.00 is 6.39)
    assert added.json() == {
        "lines": [
            {
                "product": {"id": pot.pk, "slug": "teapot", "sku": "POT", "name": "Teapot"},
                "quantity": 2,
                "unit_price": "20.00",
                "line_total": "40.00",
                "problem": "",
                "tax_rate": "19.00",
            }
        ],
        "item_count": 2,
        "subtotal": "40.00",
        **no_voucher,
        "discount": "0.00",
        "prices_include_tax": True,
        "tax_country": "DE",
        "taxes": [{"rate": "19.00", "net": "33.61", "tax": "6.39"}],
        "tax_total": "6.39",
        "total": "40.00",
        "currency": "EUR",
    }
    assert changed.status_code == 200
    assert changed.json()["subtotal"] == "53.50"
    assert removed.status_code == 200
    assert removed.json()["subtotal"] == "13.50"
    assert [line["product"]["sku"] for line in removed.json()["lines"]] == ["CUP"]


def test_price_sent_by_the_client_is_ignored(api):
    # given a product at 20.00
    pot = ProductFactory(price=Decimal("20.00"))

    # when a client sends its own price
    response = api.post(
        "/api/cart/items/", {"product_id": pot.pk, "quantity": 1, "price": "0.01"}, format="json"
    )

    # then the database price counts
    assert response.json()["subtotal"] == "20.00"


def test_token_user_has_their_own_cart(shopper_api, shopper):
    # given a shopper whose account cart holds an item, and another user's cart
    mine = CartItemFactory(cart=CartFactory(user=shopper), quantity=2)
    CartItemFactory(cart__user=UserFactory(), quantity=5)

    # when the shopper reads their cart with their token
    response = shopper_api.get("/api/cart/")

    # then they see only their own item
    assert response.status_code == 200
    lines = response.json()["lines"]
    assert [(line["product"]["id"], line["quantity"]) for line in lines] == [(mine.product_id, 2)]


def test_one_session_cannot_touch_another_sessions_cart(api):
    # given an anonymous shopper with an item in their cart
    pot = ProductFactory()
    api.post("/api/cart/items/", {"product_id": pot.pk, "quantity": 1}, format="json")

    # when another client tries to change or remove that product
    other = APIClient()
    patched = other.patch(f"/api/cart/items/{pot.pk}/", {"quantity": 9}, format="json")
    deleted = other.delete(f"/api/cart/items/{pot.pk}/")

    # then it is not in *their* cart, and the first cart is untouched
    assert (patched.status_code, patched.json()["code"]) == (404, "not_in_cart")
    assert (deleted.status_code, deleted.json()["code"]) == (404, "not_in_cart")
    assert CartItem.objects.get().quantity == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"product_id": 999999, "quantity": 1}, 422, "unknown_product"),
        ({"product_id": "abc", "quantity": 1}, 400, "invalid"),
        ({"product_id": 1, "quantity": 0}, 400, "invalid"),
        ({"product_id": 1, "quantity": 100}, 400, "invalid"),
        ({"quantity": 1}, 400, "invalid"),
    ],
)
def test_bad_add_requests_change_nothing(api, body, status, code):
    # given a product (id 1 may or may not be it: the shape is checked first)
    ProductFactory()

    # when a client sends a bad body
    response = api.post("/api/cart/items/", body, format="json")

    # then it gets a 400 (or 422 for a well-formed id of no product) and nothing is written
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert CartItem.objects.count() == 0


def test_more_than_the_stock_is_a_409(api):
    # given a product with 3 left
    pot = set_stock(ProductFactory(name="Teapot"), 3)

    # when a client asks for 4
    response = api.post("/api/cart/items/", {"product_id": pot.pk, "quantity": 4}, format="json")

    # then it is told how many are left
    assert response.status_code == 409
    assert response.json() == {"code": "insufficient_stock", "detail": "Only 3 left of Teapot."}
    assert CartItem.objects.count() == 0


def test_inactive_product_cannot_be_added(api):
    # given an inactive product
    gone = ProductFactory(name="Old Pot", is_active=False)

    # when a client adds it
    response = api.post("/api/cart/items/", {"product_id": gone.pk}, format="json")

    # then it is refused as a value that names no product on sale
    assert response.status_code == 422
    assert response.json() == {
        "code": "unknown_product",
        "detail": "Old Pot is no longer available.",
    }


def test_cart_read_query_count(shopper_api, shopper, django_assert_max_num_queries):
    # given a cart with 10 lines
    cart = CartFactory(user=shopper)
    for _ in range(10):
        CartItemFactory(cart=cart)

    # when the shopper reads it
    # then token lookup, cart, lines (product and stock joined) and the VAT rates take 4
    with django_assert_max_num_queries(4):
        response = shopper_api.get("/api/cart/")
    assert len(response.json()["lines"]) == 10
