"""``orders.inventory`` called as the fulfilment steps call it: under the order's lock."""

from __future__ import annotations

from orders import inventory
from orders.models import Order, Reservation
from shop.locks import locked_order


def reserve(order: Order) -> list[Reservation]:
    with locked_order(order.number) as locked:
        return inventory.reserve(locked)


def release(order: Order) -> int:
    with locked_order(order.number) as locked:
        return inventory.release(locked)


def commit(order: Order) -> int:
    with locked_order(order.number) as locked:
        return inventory.commit(locked)
