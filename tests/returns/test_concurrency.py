"""Two requests for the same units at once: the order's row lock lets one through (PostgreSQL:
real concurrent writers; SQLite serialises writers anyway)."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings as django_settings
from django.db import connection

from returns.errors import ReturnRefused
from returns.models import ReturnLine, ReturnRequest
from returns.services.requesting import request_return
from tests.returns.factories import delivered_order


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
    reason="needs PostgreSQL (concurrent writers)",
)
def test_two_concurrent_returns_of_the_same_units_save_one():
    # Given an order of 2 delivered units
    order = delivered_order(quantities=(2,))
    line = order.lines.get()
    barrier = threading.Barrier(4)
    saved, refused, errors = [], [], []

    def ask() -> None:
        try:
            barrier.wait(timeout=5)
            saved.append(request_return(order.number, {line.pk: 2}, "Too small").number)
        except ReturnRefused as exc:
            refused.append(exc.code)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    # When four browsers ask for both units at the same moment
    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # Then one return of 2 units is saved, the other three are refused as already returned
    assert errors == []
    assert saved == [f"{order.number}-RT1"]
    assert refused == ["already_returned"] * 3
    assert ReturnRequest.objects.count() == 1
    assert list(ReturnLine.objects.values_list("quantity", flat=True)) == [2]
