"""cart.services: validation, stock limits, summaries with database prices."""

import threading
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from cart import services
from cart.models import Cart, CartItem
from cart.services import CartError
from tests.factories import CartFactory, CartItemFactory, ProductFactory, set_stock

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0", "The quantity must be at least 1."),
        ("-1", "The quantity must be at least 1."),
        ("abc", "Please enter a whole number as the quantity."),
        ("", "Please enter a whole number as the quantity."),
        (None, "Please enter a whole number as the quantity."),
        ("1.5", "Please enter a whole number as the quantity."),
        ("1000", "You can order at most 99 of one product."),
        ("99999999999999999999999", "You can order at most 99 of one product."),
        ("-99999999999999999999999", "The quantity must be at least 1."),
        ("\u00b2", "Please enter a whole number as the quantity."),
        ("1e3", "Please enter a whole number as the quantity."),
        (True, "Please enter a whole number as the quantity."),
    ],
)
def test_parse_quantity_rejects_bad_input(raw, message):
    # Given a bad quantity / When it is parsed
    with pytest.raises(CartError) as caught:
        services.parse_quantity(raw)
    # Then the message is clear and the code stable
    assert caught.value.message == message
    assert caught.value.code == "invalid_quantity"


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), (" 7 ", 7), (99, 99), ("099", 99)])
def test_parse_quantity_accepts_1_to_99(raw, expected):
    # Given a valid quantity / When parsed / Then it is an int
    assert services.parse_quantity(raw) == expected


def test_add_item_adds_up_and_checks_stock_including_what_is_in_the_cart():
    # Given a product with 3 in stock and a cart that already holds 2
    product = set_stock(ProductFactory(name="Lamp"), 3)
    cart = CartFactory()
    services.add_item(cart, product.pk, 2)
    # When 2 more are added
    with pytest.raises(CartError) as caught:
        services.add_item(cart, str(product.pk), "2")
    # Then it is refused with the stock left, and the cart still holds 2
    assert caught.value.code == "insufficient_stock"
    assert caught.value.message == "Only 3 left of Lamp. You already have 2 in your cart."
    assert CartItem.objects.get(cart=cart, product=product).quantity == 2
    # When 1 more is added / Then the line holds 3
    assert services.add_item(cart, product.pk, 1).quantity == 3


@pytest.mark.parametrize(
    ("product_id", "message"),
    [
        ("999999", "That product does not exist."),
        ("abc", "That product does not exist."),
        ("", "That product does not exist."),
        ("-3", "That product does not exist."),
    ],
)
def test_add_item_unknown_product(product_id, message):
    # Given a cart / When an unknown product is added
    cart = CartFactory()
    with pytest.raises(CartError) as caught:
        services.add_item(cart, product_id, 1)
    # Then it is refused and nothing changed
    assert (caught.value.code, caught.value.message) == ("unknown_product", message)
    assert CartItem.objects.count() == 0


def test_add_item_inactive_and_sold_out_products():
    # Given an inactive product and a sold-out one
    inactive = ProductFactory(name="Old Lamp", is_active=False)
    sold_out = set_stock(ProductFactory(name="Hot Lamp"), 0)
    cart = CartFactory()
    # When they are added / Then both are refused with clear messages
    with pytest.raises(CartError) as first:
        services.add_item(cart, inactive.pk, 1)
    with pytest.raises(CartError) as second:
        services.add_item(cart, sold_out.pk, 1)
    assert first.value.message == "Old Lamp is no longer available."
    assert second.value.message == "Hot Lamp is sold out."
    assert CartItem.objects.count() == 0


def test_add_item_caps_the_line_at_99():
    # Given 200 in stock and 98 in the cart
    product = set_stock(ProductFactory(), 200)
    cart = CartFactory()
    services.add_item(cart, product.pk, 98)
    # When 2 more are added / Then it is refused and the line keeps 98
    with pytest.raises(CartError) as caught:
        services.add_item(cart, product.pk, 2)
    assert caught.value.message == (
        "You can order at most 99 of one product (you already have 98 in your cart)."
    )
    assert CartItem.objects.get(cart=cart).quantity == 98


def test_set_quantity_and_remove():
    # Given a cart with one line of 1 (stock 5)
    product = set_stock(ProductFactory(name="Mug"), 5)
    cart = CartFactory()
    services.add_item(cart, product.pk, 1)
    # When the quantity is set to 4 / Then the line holds 4
    assert services.set_quantity(cart, product.pk, "4").quantity == 4
    # When it is set above the stock / Then it is refused and keeps 4
    with pytest.raises(CartError) as caught:
        services.set_quantity(cart, product.pk, 6)
    assert caught.value.message == "Only 5 left of Mug."
    assert CartItem.objects.get(cart=cart).quantity == 4
    # When it is set to 0 / Then it is refused (removal is explicit)
    with pytest.raises(CartError):
        services.set_quantity(cart, product.pk, 0)
    # When it is removed / Then the cart is empty; removing again is an error
    services.remove_item(cart, product.pk)
    assert CartItem.objects.filter(cart=cart).count() == 0
    with pytest.raises(CartError) as again:
        services.remove_item(cart, product.pk)
    assert again.value.code == "not_in_cart"


def test_summarize_uses_current_database_prices_and_flags_problems(django_assert_num_queries):
    # Given a cart with two products, one of whose price then changes and one now over stock
    cheap = ProductFactory(name="Pen", price=Decimal("1.50"))
    lamp = set_stock(ProductFactory(name="Lamp", price=Decimal("20.00")), 5)
    cart = CartFactory()
    CartItemFactory(cart=cart, product=cheap, quantity=2)
    CartItemFactory(cart=cart, product=lamp, quantity=3)
    cheap.price = Decimal("2.25")
    cheap.save()
    set_stock(lamp, 1)
    # When summarized (two queries: the lines, the VAT rates of the shop's country)
    with django_assert_num_queries(2):
        summary = services.summarize(cart)
    # Then lines carry today's prices, totals add up, and the over-stock line says so
    assert [(line.product.name, line.unit_price, line.line_total) for line in summary.lines] == [
        ("Pen", Decimal("2.25"), Decimal("4.50")),
        ("Lamp", Decimal("20.00"), Decimal("60.00")),
    ]
    assert summary.subtotal == Decimal("64.50")
    assert summary.item_count == 5
    assert summary.problems == ["Only 1 left of Lamp."]


def test_summarize_without_cart_is_empty():
    # Given no cart / When summarized / Then it is empty
    summary = services.summarize(None)
    assert (summary.is_empty, summary.subtotal, summary.item_count) == (True, Decimal("0"), 0)


def test_clear_empties_the_cart_but_keeps_it():
    # Given a cart with a line / When cleared / Then no lines remain, the cart does
    item = CartItemFactory()
    services.clear(item.cart)
    assert CartItem.objects.count() == 0
    assert Cart.objects.filter(pk=item.cart_id).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
    reason="needs PostgreSQL (concurrent writers)",
)
def test_a_double_click_on_add_to_cart_adds_both_and_never_fails():
    # Given an empty cart and a product with 10 in stock, and two add requests racing
    # (a double click: both look for the line before either has written it)
    cart = CartFactory()
    product = set_stock(ProductFactory(), 10)
    barrier = threading.Barrier(2)
    errors = []

    def add():
        try:
            barrier.wait(timeout=5)
            services.add_item(cart, product.pk, 1)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=add) for _ in range(2)]
    # When both run at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    # Then neither failed and the cart has one line with both units
    assert errors == []
    assert list(CartItem.objects.filter(cart=cart).values_list("quantity", flat=True)) == [2]


def _aged(cart: Cart, days: int) -> Cart:
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now() - timedelta(days=days))
    return cart


def test_clear_stale_carts_deletes_only_abandoned_anonymous_carts():
    # Given an anonymous cart untouched for 15 days (2 items), one touched yesterday, and a
    # user's cart untouched for 100 days
    abandoned = _aged(Cart.objects.create(session_key="s-old"), 15)
    CartItemFactory(cart=abandoned)
    CartItemFactory(cart=abandoned)
    recent = _aged(Cart.objects.create(session_key="s-new"), 1)
    CartItemFactory(cart=recent)
    users = _aged(CartFactory(), 100)
    CartItemFactory(cart=users)
    out = StringIO()
    # When the command runs with the default age (the 14-day session lifetime)
    call_command("clear_stale_carts", stdout=out)
    # Then only the abandoned anonymous cart and its items are gone
    assert out.getvalue() == (
        "Deleted 0 anonymous cart(s) whose session is gone.\n"
        "Deleted 1 anonymous cart(s) unchanged for 14 days.\n"
    )
    assert sorted(Cart.objects.values_list("pk", flat=True)) == sorted([recent.pk, users.pk])
    assert CartItem.objects.count() == 2


def test_changing_a_quantity_keeps_an_anonymous_cart_fresh():
    # Given an anonymous cart last changed 20 days ago
    product = set_stock(ProductFactory(), 5)
    cart = Cart.objects.create(session_key="s-qty")
    CartItemFactory(cart=cart, product=product)
    _aged(cart, 20)
    # When the shopper changes a quantity, then the cleanup runs
    services.set_quantity(cart, product.pk, 2)
    deleted = services.delete_stale_anonymous_carts(timedelta(days=14))
    # Then the cart is kept
    assert deleted == 0
    assert CartItem.objects.get(cart=cart).quantity == 2


def test_clear_stale_carts_refuses_a_non_positive_age():
    # Given a bad --days / When the command runs / Then it is a clear error, nothing deleted
    _aged(Cart.objects.create(session_key="s-bad"), 30)
    with pytest.raises(CommandError, match="--days must be more than 0."):
        call_command("clear_stale_carts", "--days", "0")
    assert Cart.objects.count() == 1
