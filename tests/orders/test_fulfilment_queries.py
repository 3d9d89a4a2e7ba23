"""Statements per fulfilment step: the order row is read and locked once per step, no
savepoints inside a step, and a refused move leaves the caller's transaction usable."""

from __future__ import annotations

import pytest

from orders import events
from orders.events import IllegalTransition
from orders.models import Order, OrderEvent
from orders.services import billing, fulfilment
from shop.locks import locked_order
from tests.workflows.helpers import SUCCESS, make_order

pytestmark = pytest.mark.django_db

# Inside the test's transaction each atomic() is a SAVEPOINT + RELEASE (counted); in
# production the step's own is BEGIN/COMMIT. (step, status before, queries, order row reads,
# savepoints)
STEPS = [
    # lock order, lines + products, update order, insert event
    ("validate_order", "received", 6, 1, 1),
    # lock order, reservations?, lines, lock stock, update stock, insert reservation,
    # update order, insert event
    ("reserve_inventory", "validated", 10, 1, 1),
    # order, payment?, the fake provider's ledger (its own transaction: select, insert in a
    # savepoint, update), then lock order, payment?, insert payment, update order, insert event
    ("charge_payment", "reserved", 16, 2, 3),
    # lock order, shipment?, insert shipment, commit reservations, update order, insert event
    ("create_shipment", "paid", 8, 1, 1),
]
STEP_FUNCTIONS = {
    "validate_order": fulfilment.validate_order,
    "reserve_inventory": fulfilment.reserve_inventory,
    "charge_payment": billing.charge_payment,
    "create_shipment": fulfilment.create_shipment,
}


@pytest.mark.parametrize(("step", "before", "queries", "order_reads", "savepoints"), STEPS)
def test_each_step_locks_the_order_once_without_nested_savepoints(
    step, before, queries, order_reads, savepoints, django_assert_num_queries
):
    # Given an order that has just reached the step
    order = make_order(token=SUCCESS, quantity=1, stock=5)
    for earlier, *_ in STEPS[: [s for s, *_ in STEPS].index(step)]:
        STEP_FUNCTIONS[earlier](order.number)
    assert Order.objects.get(pk=order.pk).status == before

    # When the step runs
    with django_assert_num_queries(queries) as captured:
        STEP_FUNCTIONS[step](order.number)

    # Then it took the pinned queries, reading the order row and opening savepoints only
    # where pinned (move() and inventory add none of their own)
    sqls = [q["sql"] for q in captured.captured_queries]
    assert sum('FROM "orders_order"' in sql for sql in sqls) == order_reads
    assert sum(sql.startswith("SAVEPOINT") for sql in sqls) == savepoints


def test_a_refused_move_leaves_the_callers_transaction_usable():
    # Given a completed order, locked in the caller's transaction
    order = make_order()
    Order.objects.filter(pk=order.pk).update(status="completed")
    with locked_order(order.number) as locked:
        # When it is moved back to validated
        with pytest.raises(IllegalTransition) as refused:
            events.move(locked, "validated", "validated")

        # Then the move is refused, nothing was written and the transaction still works
        expected = f"Order {order.number} cannot move from completed to validated."
        assert str(refused.value) == expected
        assert OrderEvent.objects.filter(order=order).count() == 0
    assert Order.objects.get(pk=order.pk).status == "completed"


def test_move_of_a_locked_order_does_not_read_it_again(django_assert_num_queries):
    # Given a received order locked by the caller
    order = make_order()
    # When it moves: one UPDATE and one INSERT, no re-read
    with locked_order(order.number) as locked, django_assert_num_queries(2):
        event = events.move(locked, "validated", "validated", "Order validated.")

    # Then the row and its event are written
    assert Order.objects.get(pk=order.pk).status == "validated"
    assert (event.from_status, event.to_status) == ("received", "validated")
