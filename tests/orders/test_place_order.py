"""orders.services.place_order: one transaction, DB prices, idempotent by checkout token."""

import logging
import re
import threading
import uuid
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connection

from cart.models import Cart, CartItem
from orders.models import Order, OrderEvent, OrderLine
from orders.payments import CardToken
from orders.services import checkout as checkout_service
from orders.services.checkout import CheckoutError, place_order, start_workflow_for
from tests.factories import CartItemFactory, OrderFactory, ProductFactory, UserFactory, set_stock

pytestmark = pytest.mark.django_db

CARD = CardToken(token="tok_success_abc", brand="visa", last4="4242")
ADDRESS = {
    "full_name": "Grace Hopper",
    "line1": "2 Compiler Road",
    "city": "Arlington",
    "postal_code": "22201",
    "country": "us",
}


def _cart_with(*lines) -> Cart:
    cart = Cart.objects.create(session_key=uuid.uuid4().hex[:32])
    for product, quantity in lines:
        CartItemFactory(cart=cart, product=product, quantity=quantity)
    return cart


def _place(cart, token=None, **overrides):
    kwargs = {
        "cart": cart,
        "email": "grace@example.com",
        "shipping_address": ADDRESS,
        "shipping_method": "express",
        "card": CARD,
        "checkout_token": token or uuid.uuid4().hex,
    }
    kwargs.update(overrides)
    return place_order(**kwargs)


def test_place_order_writes_order_lines_event_and_empties_the_cart(
    django_capture_on_commit_callbacks,
):
    # Given a cart with 2 lamps at 20.00 and 1 pen at 1.50
    lamp = ProductFactory(name="Lamp", sku="LAMP-1", price=Decimal("20.00"))
    pen = ProductFactory(name="Pen", sku="PEN-1", price=Decimal("1.50"))
    cart = _cart_with((lamp, 2), (pen, 1))
    # When the order is placed with express shipping (Temporal is down in tests)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = _place(cart)
    order = result.order
    # Then the order has a friendly number, snapshots and totals from the database
    assert result.created is True
    assert re.fullmatch(r"SH-[23456789ABCDEFGHJKMNPQRSTWXYZ]{8}", order.number)
    assert (order.status, order.email, order.shipping_method) == (
        "received",
        "grace@example.com",
        "express",
    )
    assert (order.subtotal, order.shipping_cost, order.total) == (
        Decimal("41.50"),
        Decimal("14.90"),
        Decimal("56.40"),
    )
    assert (order.ship_full_name, order.ship_country, order.currency) == (
        "Grace Hopper",
        "US",
        "EUR",
    )
    assert (order.payment_token, order.card_brand, order.card_last4) == (
        "tok_success_abc",
        "visa",
        "4242",
    )
    assert list(
        OrderLine.objects.filter(order=order).values_list("sku", "name", "unit_price", "quantity")
    ) == [("LAMP-1", "Lamp", Decimal("20.00"), 2), ("PEN-1", "Pen", Decimal("1.50"), 1)]
    assert list(order.events.values_list("kind", "from_status", "to_status")) == [
        ("placed", "received", "received")
    ]
    # And the cart is empty, and one workflow start was attempted after commit
    assert CartItem.objects.filter(cart=cart).count() == 0
    assert len(callbacks) == 1
    order.refresh_from_db()
    assert (order.workflow_id, order.workflow_started_at) == ("", None)


def test_same_checkout_token_returns_the_same_order():
    # Given an order placed with a token
    product = ProductFactory()
    cart = _cart_with((product, 1))
    first = _place(cart, token="a" * 32)
    # When the same token is submitted again (the cart is empty by now)
    second = _place(cart, token="a" * 32)
    # Then the first order comes back, and there is still one order
    assert (second.created, second.order.pk) == (False, first.order.pk)
    assert Order.objects.count() == 1
    assert OrderEvent.objects.filter(kind="placed").count() == 1


def test_a_token_race_lost_at_insert_returns_the_winner(monkeypatch):
    # Given an order already placed with a token, and a second request that checked for the
    # token just before the first one committed (simulated: its first lookup misses)
    winner = OrderFactory(checkout_token="b" * 32)
    cart = _cart_with((ProductFactory(), 1))
    real_existing = checkout_service._existing
    calls = []

    def late_lookup(token):
        calls.append(token)
        return None if len(calls) == 1 else real_existing(token)

    monkeypatch.setattr(checkout_service, "_existing", late_lookup)
    # When it places the order / Then the unique constraint hands back the winner
    result = _place(cart, token="b" * 32)
    assert (result.created, result.order.pk) == (False, winner.pk)
    assert Order.objects.count() == 1
    assert CartItem.objects.filter(cart=cart).count() == 1  # rolled back: cart untouched


def test_order_number_collision_draws_another(monkeypatch):
    # Given an existing order SH-AAAAAAAA and a number generator that repeats it once
    OrderFactory(number="SH-AAAAAAAA")
    numbers = iter(["SH-AAAAAAAA", "SH-BBBBBBBB"])
    monkeypatch.setattr(checkout_service, "new_order_number", lambda: next(numbers))
    # When an order is placed / Then it gets the second number
    result = _place(_cart_with((ProductFactory(), 1)))
    assert result.order.number == "SH-BBBBBBBB"


@pytest.mark.parametrize(
    ("stock", "message"),
    [
        (0, "Lamp sold out. Please update your cart."),
        (1, "Only 1 left of Lamp. Please update your cart."),
    ],
)
def test_stock_is_rechecked_and_nothing_is_written(stock, message):
    # Given a cart with 2 lamps, and the stock dropped since
    lamp = ProductFactory(name="Lamp")
    cart = _cart_with((lamp, 2))
    set_stock(lamp, stock)
    # When the order is placed
    with pytest.raises(CheckoutError) as caught:
        _place(cart)
    # Then the error is clear and nothing changed
    assert (caught.value.code, caught.value.message) == ("insufficient_stock", message)
    assert Order.objects.count() == 0
    assert CartItem.objects.get(cart=cart).quantity == 2


def test_inactive_product_is_refused():
    # Given a cart with a product that was then deactivated
    lamp = ProductFactory(name="Lamp")
    cart = _cart_with((lamp, 1))
    lamp.is_active = False
    lamp.save()
    # When placed / Then refused
    with pytest.raises(CheckoutError) as caught:
        _place(cart)
    assert caught.value.message == "Lamp is no longer available. Please update your cart."


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"cart": None}, "empty_cart"),
        ({"shipping_method": "teleport"}, "invalid_shipping_method"),
        ({"shipping_address": {"full_name": "X"}}, "invalid_address"),
        ({"checkout_token": ""}, "invalid_token"),
        ({"email": ""}, "invalid_email"),
    ],
)
def test_bad_arguments_raise_checkout_errors(overrides, code):
    # Given bad arguments / When placing / Then a CheckoutError with a stable code, no order
    with pytest.raises(CheckoutError) as caught:
        _place(**{"cart": _cart_with((ProductFactory(), 1)), **overrides})
    assert caught.value.code == code
    assert Order.objects.count() == 0


def test_empty_cart_is_refused():
    # Given an empty cart / When placed / Then refused
    with pytest.raises(CheckoutError) as caught:
        _place(_cart_with())
    assert (caught.value.code, caught.value.message) == ("empty_cart", "Your cart is empty.")


def test_user_orders_are_linked_to_the_user():
    # Given a logged-in user's cart / When placed / Then the order belongs to them
    user = UserFactory()
    result = _place(_cart_with((ProductFactory(), 1)), user=user)
    assert list(user.orders.values_list("number", flat=True)) == [result.order.number]


def test_start_workflow_for_with_temporal_down_logs_and_returns_false(caplog):
    # Given a placed order and Temporal down (the default in tests)
    order = OrderFactory()
    # When its workflow is started
    with caplog.at_level(logging.WARNING, logger="orders.services.checkout"):
        started = start_workflow_for(order)
    # Then nothing is raised, the order is unchanged and a warning names it
    assert started is False
    order.refresh_from_db()
    assert (order.workflow_id, order.workflow_started_at) == ("", None)
    assert f"order {order.number} waits for the sweeper" in caplog.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
    reason="needs PostgreSQL (concurrent writers)",
)
def test_concurrent_double_submit_creates_one_order():
    # Given one cart and two requests racing with the same checkout token
    cart = _cart_with((ProductFactory(), 1))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def submit():
        try:
            barrier.wait(timeout=5)
            results.append(_place(cart, token="d" * 32))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    # When both run at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    # Then exactly one created the order and both got it back
    assert errors == []
    assert sorted(r.created for r in results) == [False, True]
    assert len({r.order.pk for r in results}) == 1
    assert Order.objects.count() == 1
    assert OrderEvent.objects.filter(kind="placed").count() == 1


@pytest.mark.django_db
def test_a_double_submit_finds_its_twins_order_in_one_lookup(monkeypatch):
    # Given a first submit that placed the order (and emptied the cart)
    cart = _cart_with((ProductFactory(), 1))
    first = _place(cart, token="e" * 32)
    real_existing = checkout_service._existing
    looks = []

    def counted(token):
        looks.append(token)
        return real_existing(token)

    monkeypatch.setattr(checkout_service, "_existing", counted)

    # When the second submit arrives (it waited for the cart's lock)
    second = _place(cart, token="e" * 32)

    # Then one lookup by token returns the first submit's order
    assert (second.created, second.order.pk) == (False, first.order.pk)
    assert len(looks) == 1
    assert Order.objects.count() == 1
