"""Refund requests racing on PostgreSQL: the check against what was captured holds."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connection

from orders.models import GatewayTransaction
from refunds.models import Refund
from refunds.services import RefundRefused, execute_refund, request_refund
from tests.refunds.factories import captured_order

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL (concurrent writers)",
    ),
]


def test_ten_concurrent_refunds_never_exceed_what_was_captured():
    # Given a delivered order that captured 28.70 (2 x 11.90 + 4.90 shipping)
    order = captured_order(lines=(("11.90", 2),))
    barrier = threading.Barrier(10)
    made, refused, errors = [], [], []

    def ask() -> None:
        try:
            barrier.wait(timeout=10)
            made.append(
                request_refund(
                    order.number,
                    amount=Decimal("5.00"),
                    reason="Goodwill",
                    actor="staff@example.com",
                )
            )
        except RefundRefused as exc:
            refused.append(exc.code)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    # When 10 requests of 5.00 each (50.00 together) run at once
    threads = [threading.Thread(target=ask) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # Then 5 were accepted (25.00), 5 refused as over the limit, numbered without collision
    assert errors == []
    assert len(made) == 5
    assert refused == ["over_refund"] * 5
    assert sorted(r.seq for r in Refund.objects.filter(order=order)) == [1, 2, 3, 4, 5]

    # And when all of them are executed, the provider refunded exactly their sum
    for refund in made:
        execute_refund(refund.number)
    refunded = sum(
        (
            row.amount
            for row in GatewayTransaction.objects.filter(
                kind="refund", idempotency_key__startswith=f"order-{order.number}-refund-"
            )
        ),
        Decimal("0.00"),
    )
    assert refunded == Decimal("25.00")
    assert refunded <= order.total
    order.refresh_from_db()
    assert order.status == "partially_refunded"
