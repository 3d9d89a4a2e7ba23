"""Running activities outside a worker: ``temporalio.testing.ActivityEnvironment`` gives each
call a real activity context; the database is the test's."""

from __future__ import annotations

from temporalio.testing import ActivityEnvironment

from orders.models import Order, OrderEvent
from workflows import activities as acts

FORWARD = [
    acts.validate_order,
    acts.reserve_inventory,
    acts.charge_payment,
    acts.create_shipment,
    acts.send_confirmation_email,
]


def run(fn, *args):
    return ActivityEnvironment().run(fn, *args)


def advance(order: Order, steps: int) -> None:
    """Run the first ``steps`` forward activities once."""
    for fn in FORWARD[:steps]:
        run(fn, order.number)


def event_kinds(order: Order) -> list[str]:
    return list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))
