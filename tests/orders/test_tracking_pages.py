"""Shopper order pages from database rows: list, detail and the live status fragment."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import (
    OrderEventFactory,
    OrderFactory,
    OrderLineFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_order_page_shows_lines_totals_address_payment_shipment_and_timeline(
    client, shopper, shipped_order, django_assert_max_num_queries
):
    # given the owner logged in
    client.force_login(shopper)

    # when she opens her order page
    with django_assert_max_num_queries(9):
        response = client.get("/orders/S0000042/")

    # then everything about the order is there, the timeline in order, with the live panel
    html = response.content.decode()
    assert response.status_code == 200
    assert "Order S0000042" in html
    assert "Brass Telescope" in html and "TEL-001" in html
    assert "€19.99" in html and "€39.98" in html
    assert "€4.90" in html and "€44.88" in html
    assert "2 Compiler Road" in html and "22201 Arlington" in html
    assert "Visa ending in 4242" in html
    assert "Paid €44.88" in html
    assert "Parcelforce" in html and "TRK000000777" in html
    assert 'data-status="shipped"' in html and ">Shipped</span>" in html
    placed, paid, shipped = (
        html.index("Order placed."),
        html.index("Payment received."),
        html.index("Handed to the carrier."),
    )
    assert placed < paid < shipped
    assert 'data-status-url="/orders/S0000042/status/"' in html
    assert 'data-final="false"' in html
    assert "js/order-status.js" in html
    assert "Cancel order" not in html  # shipped: too late to cancel


def test_status_fragment_is_the_live_part_only(client, shopper, shipped_order):
    # given the owner logged in and an order still moving
    client.force_login(shopper)

    # when the page's script fetches the fragment, and the order moves on meanwhile
    first = client.get("/orders/S0000042/status/")
    OrderEventFactory(order=shipped_order, kind="in_transit", message="On its way.")
    shipped_order.status = "in_transit"
    shipped_order.save()
    second = client.get("/orders/S0000042/status/")

    # then it holds status, payment, shipment and timeline, no page chrome, and shows the new
    # state (a tracking number appears without a reload)
    html = first.content.decode()
    assert first.status_code == 200
    assert first["Cache-Control"] == "private, no-store"
    assert "<html" not in html and "Brass Telescope" not in html
    assert 'data-final="false"' in html and "Handed to the carrier." in html
    assert "Visa ending in 4242" in html and "Paid €44.88" in html
    assert 'tracking number <strong data-testid="tracking-number">TRK000000777</strong>' in html
    assert "On its way." not in html
    later = second.content.decode()
    assert 'data-status="in_transit"' in later and "On its way." in later


@pytest.mark.parametrize(
    ("status", "final", "cancel_button"),
    [
        ("received", "false", True),
        ("paid", "false", True),
        ("shipped", "false", False),
        ("delivered", "false", False),
        ("completed", "true", False),
        ("failed", "true", False),
        ("cancelled", "true", False),
    ],
)
def test_fragment_says_when_to_stop_polling_and_when_to_offer_cancel(
    client, shopper, status, final, cancel_button
):
    # given an order of the shopper in some status
    client.force_login(shopper)
    OrderFactory(number="P0000001", user=shopper, status=status)

    # when the fragment is fetched
    html = client.get("/orders/P0000001/status/").content.decode()

    # then it tells the script whether the order is final, and offers cancel only when allowed
    assert f'data-final="{final}"' in html
    assert ('action="/orders/P0000001/cancel/"' in html) is cancel_button


def test_staff_notes_are_hidden_from_the_shopper_and_shown_to_staff(client, shopper):
    # given an order with a customer-facing event and a staff note
    order = OrderFactory(number="H0000001", user=shopper)
    OrderEventFactory(order=order, message="Order placed.")
    OrderEventFactory(order=order, kind="staff_action", message="Staff cancel refused: shipped.")
    staff = Client()
    staff.force_login(StaffFactory(email="ops@example.com"))
    client.force_login(shopper)

    # when the shopper and staff fetch the fragment
    mine = client.get("/orders/H0000001/status/").content.decode()
    theirs = staff.get("/orders/H0000001/status/").content.decode()

    # then only staff see the note
    assert "Order placed." in mine and "Staff cancel refused" not in mine
    assert "Order placed." in theirs and "Staff cancel refused: shipped." in theirs


def test_failed_order_shows_its_reason(client, shopper):
    # given an order that failed because the card was declined
    client.force_login(shopper)
    OrderFactory(number="F0000001", user=shopper, status="failed", failure_reason="Card declined.")

    # when the owner opens it
    html = client.get("/orders/F0000001/").content.decode()

    # then the reason is shown
    assert "Card declined." in html


def test_order_list_is_mine_newest_first_paginated_with_fixed_queries(
    client, shopper, django_assert_max_num_queries
):
    # given 12 orders of the shopper (each with a line) and one of someone else
    orders = [OrderFactory(number=f"L{i:07d}", user=shopper) for i in range(12)]
    for order in orders:
        OrderLineFactory(order=order, quantity=1)
    OrderFactory(number="X0000001", user=UserFactory())
    client.force_login(shopper)

    # when she opens both pages of her order list
    with django_assert_max_num_queries(6):
        first = client.get("/orders/")
    with django_assert_max_num_queries(6):
        second = client.get("/orders/", {"page": 2})

    # then the newest 10 are on page one, the other 2 on page two, never someone else's
    first_html, second_html = first.content.decode(), second.content.decode()
    assert [n for n in (o.number for o in orders) if n in first_html] == [
        f"L{i:07d}" for i in range(2, 12)
    ]
    assert first_html.index("L0000011") < first_html.index("L0000002")
    assert "L0000001" in second_html and "L0000000" in second_html
    assert "X0000001" not in first_html + second_html
    assert "Page 1 of 2" in first_html


def test_order_list_query_count_does_not_grow_with_orders(
    client, shopper, django_assert_max_num_queries
):
    # given a shopper with 1 order, then 10
    client.force_login(shopper)
    OrderLineFactory(order=OrderFactory(user=shopper))
    with django_assert_max_num_queries(6) as one:
        client.get("/orders/")
    for _ in range(9):
        OrderLineFactory(order=OrderFactory(user=shopper))

    # when the list is opened again
    with django_assert_max_num_queries(6) as ten:
        response = client.get("/orders/")

    # then the same number of queries ran (session, user, count, page, nav cart count)
    assert len(one.captured_queries) == len(ten.captured_queries)
    assert response.content.decode().count('class="badge badge-received"') == 10


def test_order_list_counts_units_like_the_api(client, shopper):
    # given an order of 3 telescopes and 2 maps (2 lines, 5 units)
    order = OrderFactory(number="U0000001", user=shopper)
    OrderLineFactory(order=order, quantity=3)
    OrderLineFactory(order=order, quantity=2)
    client.force_login(shopper)

    # when the shopper opens her order list
    html = client.get("/orders/").content.decode()

    # then the items column says 5, the number of units (the API's item_count too)
    assert '<td class="num">5</td>' in html


def test_polled_fragment_and_page_queries_do_not_grow_with_the_order(
    client, shopper, shipped_order, django_assert_max_num_queries
):
    # given the owner, and her order's page and fragment opened once
    client.force_login(shopper)
    with django_assert_max_num_queries(8) as page_small:
        client.get("/orders/S0000042/")
    with django_assert_max_num_queries(5) as fragment_small:
        client.get("/orders/S0000042/status/")

    # when the order has 10 more lines and 20 more events
    for i in range(10):
        OrderLineFactory(order=shipped_order, sku=f"MORE-{i}")
    for i in range(20):
        OrderEventFactory(order=shipped_order, kind="note", message=f"Note {i}.")
    with django_assert_max_num_queries(8) as page_large:
        page = client.get("/orders/S0000042/")
    with django_assert_max_num_queries(5) as fragment_large:
        fragment = client.get("/orders/S0000042/status/")

    # then the page and the fragment (polled every 2 s) ran the same queries as before
    assert len(page_large.captured_queries) == len(page_small.captured_queries)
    assert len(fragment_large.captured_queries) == len(fragment_small.captured_queries)
    assert "MORE-9" in page.content.decode() and "Note 19." in fragment.content.decode()
