"""Asking for a return (``returns.services.requesting``): the rules, on the real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.errors import InvalidOrder
from returns.errors import ReturnRefused
from returns.models import ReturnLine, ReturnRequest
from returns.services.requesting import can_return, request_return, start_pending_returns
from tests.returns.factories import delivered_order, make_return

pytestmark = pytest.mark.django_db


def _lines(order):
    return list(order.lines.order_by("pk"))


def test_a_return_of_delivered_units_is_saved_with_number_tracking_and_instructions(settings):
    # Given an order of 2 + 3 units delivered yesterday (Temporal down: the test default)
    settings.RETURN_SHIP_BY_DAYS = 14
    order = delivered_order(quantities=(2, 3))
    first, second = _lines(order)
    before = timezone.now()

    # When the customer returns 1 of the first line and 3 of the second
    ret = request_return(order.number, {first.pk: 1, second.pk: 3}, " Too small ")

    # Then the return is saved, numbered <order>-RT1, with its lines, a tracking number,
    # instructions naming it and a ship-by 14 days out; its workflow waits for the sweeper
    ret.refresh_from_db()
    assert (ret.number, ret.seq, ret.status, ret.reason) == (
        f"{order.number}-RT1",
        1,
        "requested",
        "Too small",
    )
    assert list(ret.lines.values_list("order_line_id", "quantity", "condition")) == [
        (first.pk, 1, ""),
        (second.pk, 3, ""),
    ]
    assert ret.tracking_number.startswith("RT") and len(ret.tracking_number) == 18
    assert ret.tracking_number in ret.instructions
    assert timedelta(days=14) <= ret.ship_by - before < timedelta(days=14, seconds=5)
    assert ret.workflow_started_at is None
    assert ret.requested_by == "customer"


def test_the_second_return_gets_the_next_number():
    # Given an order of 3 units with a return of 1
    order = delivered_order(quantities=(3,))
    (line,) = _lines(order)
    request_return(order.number, {line.pk: 1}, "Broken")

    # When another unit is returned
    ret = request_return(order.number, {line.pk: 2}, "Changed my mind")

    # Then it is RT2
    assert ret.number == f"{order.number}-RT2"


@pytest.mark.parametrize(
    ("status", "days_ago", "code"),
    [
        ("shipped", 1, "not_delivered"),
        ("cancelled", 1, "not_delivered"),
        ("completed", 31, "outside_window"),
    ],
)
def test_orders_not_delivered_or_past_the_window_are_refused(status, days_ago, code):
    # Given an order that is not delivered, or delivered 31 days ago (window 30)
    order = delivered_order(status=status, days_ago=days_ago)
    (line,) = _lines(order)

    # When a return is asked for / Then it is refused with the code and nothing is written
    with pytest.raises(ReturnRefused) as refused:
        request_return(order.number, {line.pk: 1}, "Too small")
    assert refused.value.code == code
    assert ReturnRequest.objects.count() == 0
    assert can_return(order) is False


def test_an_order_without_a_delivery_is_not_returnable():
    # Given a completed order with no delivered event
    order = delivered_order()
    order.events.all().delete()
    (line,) = _lines(order)

    # When / Then
    with pytest.raises(ReturnRefused) as refused:
        request_return(order.number, {line.pk: 1}, "Too small")
    assert refused.value.code == "not_delivered"


def test_the_window_follows_the_setting(settings):
    # Given an order delivered 10 days ago and a 7-day window
    settings.RETURN_WINDOW_DAYS = 7
    order = delivered_order(days_ago=10)
    (line,) = _lines(order)

    # When / Then it is outside the window
    with pytest.raises(ReturnRefused) as refused:
        request_return(order.number, {line.pk: 1}, "Too small")
    assert refused.value.code == "outside_window"
    assert "7 days" in refused.value.message


@pytest.mark.parametrize(
    ("quantities", "reason", "code"),
    [
        ("none", "Too small", "nothing_selected"),
        ("zero", "Too small", "nothing_selected"),
        ("minus", "Too small", "invalid_quantity"),
        ("three", "Too small", "too_many"),
        ("unknown", "Too small", "unknown_line"),
        ("one", "   ", "reason_required"),
        ("one", "x" * 1001, "reason_required"),
    ],
)
def test_bad_quantities_and_reasons_are_refused_and_change_nothing(quantities, reason, code):
    # Given an order of 2 delivered units
    order = delivered_order(quantities=(2,))
    (line,) = _lines(order)
    asked = {
        "none": {},
        "zero": {line.pk: 0},
        "minus": {line.pk: -1},
        "three": {line.pk: 3},
        "unknown": {line.pk + 999: 1},
        "one": {line.pk: 1},
    }[quantities]

    # When the return is asked for / Then it is refused with the code, nothing written
    with pytest.raises(ReturnRefused) as refused:
        request_return(order.number, asked, reason)
    assert refused.value.code == code
    assert (ReturnRequest.objects.count(), ReturnLine.objects.count()) == (0, 0)


def test_the_same_units_cannot_be_returned_twice():
    # Given an order of 2 units, both already in a return
    order = delivered_order(quantities=(2,))
    (line,) = _lines(order)
    request_return(order.number, {line.pk: 2}, "Too small")

    # When one more is asked for
    with pytest.raises(ReturnRefused) as refused:
        request_return(order.number, {line.pk: 1}, "Again")

    # Then it is refused: already returned; one return remains, and the order is done
    assert refused.value.code == "already_returned"
    assert ReturnRequest.objects.count() == 1
    assert can_return(order) is False


@pytest.mark.parametrize("status", ["rejected", "expired"])
def test_units_of_rejected_or_expired_returns_may_be_asked_for_again(status):
    # Given an order of 2 units whose return of 2 was rejected / expired
    order = delivered_order(quantities=(2,))
    (line,) = _lines(order)
    make_return(order, status=status, units={line: 2})

    # When both are asked for again / Then the new return is RT2
    ret = request_return(order.number, {line.pk: 2}, "Too small")
    assert ret.number == f"{order.number}-RT2"


def test_partially_refunded_orders_are_returnable():
    # Given a delivered order partially refunded by staff
    order = delivered_order(status="partially_refunded")
    (line,) = _lines(order)

    # When / Then the return is saved
    assert request_return(order.number, {line.pk: 1}, "Too small").status == "requested"


def test_an_unknown_order_raises_invalid_order():
    # Given / When / Then
    with pytest.raises(InvalidOrder):
        request_return("NOPE", {1: 1}, "Too small")


def test_the_sweeper_starts_nothing_while_temporal_is_down():
    # Given a saved return whose workflow could not start (Temporal down: the default)
    order = delivered_order()
    (line,) = _lines(order)
    ret = request_return(order.number, {line.pk: 1}, "Too small")

    # When the sweeper runs / Then it starts nothing and the return still waits
    assert start_pending_returns() == 0
    ret.refresh_from_db()
    assert ret.workflow_started_at is None
