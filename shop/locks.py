"""Every row lock the shop takes, in one module (the model is Saleor's
``warehouse/lock_objects.py``): small functions returning locked querysets or rows, so a reader
sees in one place what is locked, in which order, and why.

Call them inside a transaction (``locked_order`` opens its own). When one transaction takes
several, it takes them in this order, and rows of one table in primary-key order, so two
transactions never wait on each other in a cycle:

    cart -> order -> reservations -> stock levels -> payment ledger / email rows
    cart -> order -> voucher (checkout: the order row is new, nobody else can wait on it)
    order -> return request -> stock levels (a return's receipt restocks)
    order -> document counters (the invoice series before the credit-note series)

On SQLite ``select_for_update`` is a no-op; there every write transaction is ``IMMEDIATE``
(``shop/settings.py``), which serialises writers instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models import QuerySet

from cart.models import Cart, CartItem
from catalog.models import StockLevel
from invoices.models import DocumentCounter
from orders.errors import InvalidOrder
from orders.models import GatewayTransaction, Order, Reservation
from promotions.models import Voucher
from returns.models import ReturnRequest


@contextmanager
def locked_order(number: str) -> Iterator[Order]:
    """Open a transaction holding the order's row lock; yields the freshly read order.

    Everything that moves an order's status, stock or money for it runs inside this block, so
    two workers (or a worker and a view) can't both pass a check. Raises ``InvalidOrder`` when
    there is no such order."""
    with transaction.atomic():
        try:
            order = Order.objects.select_for_update().get(number=number)
        except Order.DoesNotExist:
            raise InvalidOrder(f"Order {number} does not exist.") from None
        yield order


def cart(cart: Cart) -> None:
    """Lock the cart's row: checkouts of one cart (a double submit) run one after the other,
    so the second finds the first's order by its token in one lookup."""
    Cart.objects.select_for_update().filter(pk=cart.pk).values_list("pk").first()


def cart_items(cart: Cart) -> QuerySet[CartItem]:
    """The cart's lines, locked (only the lines: ``of=("self",)`` leaves joined rows alone)."""
    return CartItem.objects.select_for_update(of=("self",)).filter(cart=cart).order_by("pk")


def stock_levels(product_ids: Iterable[int]) -> QuerySet[StockLevel]:
    """The stock rows of these products, locked in primary-key order."""
    return (
        StockLevel.objects.select_for_update()
        .filter(product_id__in=list(product_ids))
        .order_by("pk")
    )


def stock_level(pk: int) -> QuerySet[StockLevel]:
    """One stock row, locked (the admin's stock form: the lock holds until its save commits)."""
    return StockLevel.objects.select_for_update().filter(pk=pk)


def held_reservations(order: Order) -> QuerySet[Reservation]:
    """The order's reservations still holding stock, locked in primary-key order."""
    return (
        Reservation.objects.select_for_update()
        .filter(order=order, state=Reservation.State.RESERVED)
        .order_by("pk")
    )


def gateway_transaction(key: str) -> QuerySet[GatewayTransaction]:
    """The fake gateway's ledger row for an idempotency key, locked."""
    return GatewayTransaction.objects.select_for_update().filter(idempotency_key=key)


def gateway_authorization(reference: str) -> QuerySet[GatewayTransaction]:
    """The fake gateway's authorization row, locked while it is captured, voided or refunded
    against, so a capture and a void of the same authorization can't both succeed."""
    return GatewayTransaction.objects.select_for_update().filter(
        reference=reference, kind__in=("authorize", "charge", "capture")
    )


def document_counter(series: str, year: int) -> DocumentCounter:
    """The numbering row of an invoice or credit-note series for ``year``, locked until the
    transaction ends: numbers are taken one transaction at a time, and a rolled-back one gives
    its number back (gap-free). Made on first use; ``ON CONFLICT DO NOTHING`` lets two first
    documents of a year race without an error (the loser waits, then locks the winner's row)."""
    counter = DocumentCounter.objects.select_for_update().filter(series=series, year=year).first()
    if counter is None:
        DocumentCounter.objects.bulk_create(
            [DocumentCounter(series=series, year=year)], ignore_conflicts=True
        )
        counter = DocumentCounter.objects.select_for_update().get(series=series, year=year)
    return counter


def return_request(number: str) -> ReturnRequest | None:
    """A return's row, locked; take it after its order's (``locked_order``), before stock."""
    return ReturnRequest.objects.select_for_update().filter(number=number).first()


def voucher(code: str) -> Voucher | None:
    """The voucher with ``code``, locked: its limits are checked and its usage counted one
    checkout at a time (a single-use code goes to exactly one of many concurrent orders)."""
    return Voucher.objects.select_for_update().filter(code=code).first()
