"""orders.inventory: the one place stock changes (row locks in primary-key order)."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from catalog.models import StockLevel
from orders.inventory import OutOfStock
from orders.models import Reservation
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory
from tests.orders import stock
from tests.workflows.helpers import make_order, stock_of

pytestmark = pytest.mark.django_db


def states(order) -> list[str]:
    return list(Reservation.objects.filter(order=order).values_list("state", flat=True))


def test_reserve_takes_stock_for_every_line():
    # Given an order of 2 products, 3 units each, 5 in stock each
    order = make_order(quantity=3, stock=5, lines=2)

    # When it is reserved
    reservations = stock.reserve(order)

    # Then both products went down by 3 and one reservation each exists
    assert [(r.quantity, r.state) for r in reservations] == [(3, "reserved"), (3, "reserved")]
    assert stock_of(order) == [2, 2]


def test_reserve_is_all_or_nothing():
    # Given an order of 2 products where the second has only 1 unit
    order = make_order(quantity=2, stock=5, lines=2)
    short = order.lines.order_by("pk").last()
    StockLevel.objects.filter(product=short.product).update(quantity=1)

    # When it is reserved
    with pytest.raises(OutOfStock) as caught:
        stock.reserve(order)

    # Then nothing was taken and the short product is named
    assert caught.value.product_names == [short.name]
    assert str(caught.value) == f"Not enough stock for: {short.name}."
    assert stock_of(order) == [5, 1]
    assert states(order) == []


def test_product_without_stock_row_is_out_of_stock():
    # Given an order for a product that has no stock row at all
    product = ProductFactory(stock=None)
    order = OrderFactory()
    line = OrderLineFactory(order=order, product=product, quantity=1)

    # When it is reserved / Then it is out of stock
    with pytest.raises(OutOfStock) as caught:
        stock.reserve(order)
    assert caught.value.product_names == [line.name]


def test_reserve_twice_reserves_once():
    # Given an order of 2 units, 4 in stock
    order = make_order(quantity=2, stock=4)

    # When reserve runs twice
    stock.reserve(order)
    stock.reserve(order)

    # Then stock went down once
    assert stock_of(order) == [2]
    assert states(order) == ["reserved"]


def test_release_gives_stock_back_once():
    # Given a reserved order of 2 units, 4 in stock
    order = make_order(quantity=2, stock=4)
    stock.reserve(order)

    # When it is released twice
    first = stock.release(order)
    second = stock.release(order)

    # Then stock is back once
    assert (first, second) == (1, 0)
    assert stock_of(order) == [4]
    assert states(order) == ["released"]


def test_commit_keeps_stock_taken_and_blocks_release():
    # Given a reserved order of 2 units, 4 in stock
    order = make_order(quantity=2, stock=4)
    stock.reserve(order)

    # When it is committed (shipped), twice, then a release is attempted
    assert stock.commit(order) == 1
    assert stock.commit(order) == 0
    released = stock.release(order)

    # Then the units stay sold
    assert released == 0
    assert stock_of(order) == [2]
    assert states(order) == ["committed"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
def test_stock_rows_are_locked_in_primary_key_order():
    # Given an order of 3 products
    order = make_order(quantity=1, stock=5, lines=3)

    # When it is reserved
    with CaptureQueriesContext(connection) as queries:
        stock.reserve(order)

    # Then the stock rows were locked in one query ordered by primary key
    locks = [
        q["sql"] for q in queries if "FOR UPDATE" in q["sql"] and "catalog_stocklevel" in q["sql"]
    ]
    assert len(locks) == 1
    assert 'ORDER BY "catalog_stocklevel"."id" ASC FOR UPDATE' in locks[0]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's shared in-memory test database fails concurrent writers ('table is locked')",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_oversell():
    # Given 8 orders of 1 unit each for a product with 5 in stock
    first = make_order(quantity=1, stock=5)
    product = first.lines.get().product
    orders = [first]
    for _ in range(7):
        order = OrderFactory()
        OrderLineFactory(order=order, product=product, quantity=1)
        orders.append(order)

    # When all are reserved at once from 8 threads
    outcomes: list[str] = []
    barrier = threading.Barrier(len(orders))

    def reserve(order) -> None:
        barrier.wait()
        try:
            stock.reserve(order)
            outcomes.append("reserved")
        except OutOfStock:
            outcomes.append("out")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=reserve, args=(o,)) for o in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # Then exactly 5 got stock and none is left (never negative)
    assert sorted(outcomes) == ["out"] * 3 + ["reserved"] * 5
    assert StockLevel.objects.get(product=product).quantity == 0
    assert Reservation.objects.filter(product=product).count() == 5
