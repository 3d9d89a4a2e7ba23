"""``release_voucher_for_order``: a failed or cancelled order gives its voucher usage back
exactly once; a captured one keeps it; an order without a voucher costs one query. And the
cancel path without a workflow (``orders.services.tracking``) gives it back too."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.models import Payment
from orders.services.tracking import cancel_order
from promotions.models import Voucher, VoucherUsage
from promotions.services import release_voucher_for_order, take_usage
from tests.factories import OrderFactory
from tests.promotions.factories import VoucherFactory

pytestmark = pytest.mark.django_db


def order_using(voucher: Voucher, **fields):
    order = OrderFactory(voucher_code=voucher.code, **fields)
    take_usage(voucher, order)
    return order


def test_release_gives_the_usage_back_once():
    # Given a single-use voucher taken by an order
    voucher = VoucherFactory(code="SOLO", usage_limit=1)
    order = order_using(voucher)
    assert Voucher.objects.get(pk=voucher.pk).times_used == 1
    # When the usage is released twice (a retried compensation)
    first = release_voucher_for_order(order.number)
    second = release_voucher_for_order(order.number)
    # Then it was given back once: the voucher can be used again
    assert (first, second) == (True, False)
    assert Voucher.objects.get(pk=voucher.pk).times_used == 0
    usage = VoucherUsage.objects.get()
    assert usage.state == "released"
    assert usage.released_at is not None


def test_release_without_a_voucher_is_one_query(django_assert_num_queries):
    # Given an order without a voucher
    order = OrderFactory()
    # When released / Then nothing happens, in one query
    with django_assert_num_queries(1):
        assert release_voucher_for_order(order.number) is False


def test_release_of_an_unknown_order_is_false():
    assert release_voucher_for_order("SH-NOSUCH") is False


def test_a_captured_order_keeps_its_usage():
    # Given an order whose payment was captured (it was delivered, or refunded afterwards)
    voucher = VoucherFactory(code="KEEP", usage_limit=5)
    order = order_using(voucher, status="completed")
    Payment.objects.create(
        order=order,
        kind=Payment.Kind.CAPTURE,
        status=Payment.Status.SUCCEEDED,
        amount=order.total,
        idempotency_key=f"order-{order.number}-capture",
        gateway="fake",
    )
    # When something asks to release it
    released = release_voucher_for_order(order.number)
    # Then the usage stays
    assert released is False
    assert VoucherUsage.objects.get().state == "taken"
    assert Voucher.objects.get(pk=voucher.pk).times_used == 1


def test_cancel_without_a_workflow_gives_the_voucher_back():
    # Given a placed order with a voucher whose workflow never started (Temporal is down in
    # tests, and it has none)
    voucher = VoucherFactory(code="BACK", usage_limit=1, value=Decimal("10"))
    order = order_using(voucher)
    # When the customer cancels it
    outcome = cancel_order(order, actor="customer")
    # Then it is cancelled and the single-use code is free again
    assert outcome.ok is True
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert VoucherUsage.objects.get().state == "released"
    assert Voucher.objects.get(pk=voucher.pk).times_used == 0
