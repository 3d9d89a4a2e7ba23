"""The ONE place stock changes.

Every function takes an order from ``shop.locks.locked_order`` (its row locked in the open
transaction), then locks the ``StockLevel`` rows of its products in primary-key order (the same
order everywhere, so two orders never deadlock), checks under the lock and writes. Each
function is idempotent: calling it twice has the effect of calling it once. They add no
savepoint; an ``OutOfStock`` is raised after leaving the block, having written nothing.

- ``reserve(order)``: all-or-nothing; decrements stock and writes one ``Reservation`` per product.
  Raises ``OutOfStock`` (nothing written) when any product lacks stock.
- ``release(order)``: reserved -> released, the units go back to stock (failure, cancellation).
- ``commit(order)``: reserved -> committed, when the parcel leaves (stock stays decremented).
- ``restock_returned(order, units)``: returned units back to stock (a return's receipt; the
  caller, ``returns``, makes it happen once per return under the return's row lock).
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.cache import stock_changed_on_commit
from catalog.models import StockLevel
from orders.models import Order, OrderLine, Reservation
from shop import locks


class OutOfStock(Exception):
    """Not enough stock for some products of the order."""

    def __init__(self, product_names: list[str]) -> None:
        self.product_names = product_names
        names = ", ".join(product_names)
        super().__init__(f"Not enough stock for: {names}.")


def _lock_stock(product_ids: list[int]) -> dict[int, StockLevel]:
    return {row.product_id: row for row in locks.stock_levels(product_ids)}


def _needed(order: Order) -> tuple[dict[int, int], dict[int, str]]:
    """Units needed per product id, and a display name per product id."""
    needed: dict[int, int] = defaultdict(int)
    names: dict[int, str] = {}
    for line in OrderLine.objects.filter(order=order).order_by("pk"):
        if line.product_id is None:
            continue
        needed[line.product_id] += line.quantity
        names[line.product_id] = line.name
    return dict(needed), names


def reserve(order: Order) -> list[Reservation]:
    """Hold stock for every line of ``order``. Returns the reservations (existing ones if the
    order was already reserved). Raises ``OutOfStock`` with the short products' names."""
    with transaction.atomic(savepoint=False):
        existing = list(Reservation.objects.filter(order=order).order_by("pk"))
        if existing:
            return existing
        needed, names = _needed(order)
        stock = _lock_stock(sorted(needed))
        short = [
            names[pid]
            for pid in sorted(needed)
            if pid not in stock or stock[pid].quantity < needed[pid]
        ]
        if not short:
            for pid in sorted(needed):
                # Under the row lock: a conditional update can't undercut the check above.
                StockLevel.objects.filter(pk=stock[pid].pk).update(
                    quantity=F("quantity") - needed[pid]
                )
            stock_changed_on_commit()  # cached catalog pages show the new stock
            return Reservation.objects.bulk_create(
                [
                    Reservation(order=order, product_id=pid, quantity=needed[pid])
                    for pid in sorted(needed)
                ]
            )
    raise OutOfStock(short)


def release(order: Order) -> int:
    """Give back the stock still reserved for ``order``. Returns the number of reservations
    released (0 when there was nothing to release: idempotent)."""
    with transaction.atomic(savepoint=False):
        held = list(locks.held_reservations(order))
        if not held:
            return 0
        stock = _lock_stock(sorted(r.product_id for r in held))
        for reservation in held:
            row = stock.get(reservation.product_id)
            if row is not None:
                StockLevel.objects.filter(pk=row.pk).update(
                    quantity=F("quantity") + reservation.quantity
                )
            else:  # the stock row vanished: recreate it with the returned units
                StockLevel.objects.create(
                    product_id=reservation.product_id, quantity=reservation.quantity
                )
        stock_changed_on_commit()  # cached catalog pages show the new stock
        Reservation.objects.filter(pk__in=[r.pk for r in held]).update(
            state=Reservation.State.RELEASED, updated_at=timezone.now()
        )
        return len(held)


def commit(order: Order) -> int:
    """Mark the order's reservations as committed (shipped). Stock is unchanged: it was
    decremented at reservation. Returns how many were committed now (0 on a repeat)."""
    with transaction.atomic(savepoint=False):
        return Reservation.objects.filter(order=order, state=Reservation.State.RESERVED).update(
            state=Reservation.State.COMMITTED, updated_at=timezone.now()
        )


def restock_returned(order: Order, units: dict[int, int]) -> int:
    """Put ``units`` (product id -> returned units in good condition) of ``order`` back in
    stock, stock rows locked in primary-key order. Not idempotent by itself: the caller holds
    the return's row lock and marks the return restocked in the same transaction. Returns the
    number of units put back."""
    wanted = {pid: qty for pid, qty in units.items() if qty > 0}
    with transaction.atomic(savepoint=False):
        stock = _lock_stock(sorted(wanted))
        for pid in sorted(wanted):
            row = stock.get(pid)
            if row is not None:
                StockLevel.objects.filter(pk=row.pk).update(quantity=F("quantity") + wanted[pid])
            else:  # the stock row vanished: recreate it with the returned units
                StockLevel.objects.create(product_id=pid, quantity=wanted[pid])
        stock_changed_on_commit()  # cached catalog pages show the new stock
        return sum(wanted.values())
