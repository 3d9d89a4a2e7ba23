"""Shopper order pages from database rows: list, detail, live status fragment, access rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from orders.links import order_access_token, signed_order_path
from orders.models import OrderEvent
from orders.selectors import SESSION_ORDERS
from tests.factories import (
    OrderEventFactory,
    OrderFactory,
    OrderLineFactory,
    PaymentFactory,
    ProductFactory,
    ShipmentFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper():
    return UserFactory(email="ada@example.com")


@pytest.fixture
def shipped_order(shopper):
    order = OrderFactory(
        number="S0000042",
        user=shopper,
        email=shopper.email,
        status="shipped",
        subtotal=Decimal("39.98"),
        shipping_cost=Decimal("4.90"),
        total=Decimal("44.88"),
        card_brand="visa",
        card_last4="4242",
    )
    OrderLineFactory(
        order=order,
        product=ProductFactory(name="Brass Telescope", sku="TEL-001"),
        unit_price=Decimal("19.99"),
        quantity=2,
    )
    PaymentFactory(order=order, amount=Decimal("44.88"))
    ShipmentFactory(order=order, carrier="Parcelforce", tracking_number="TRK000000777")
    OrderEventFactory(order=order, kind="placed", to_status="received", message="Order placed.")
    OrderEventFactory(order=order, kind="paid", to_status="paid", message="Payment received.")
    OrderEventFactory(
        order=order, kind="shipped", to_status="shipped", message="Handed to carrier."
    )
    return order


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
    assert "19.99 EUR" in html and "39.98 EUR" in html
    assert "4.90 EUR" in html and "44.88 EUR" in html
    assert "2 Compiler Road" in html and "22201 Arlington" in html
    assert "Visa ending in 4242" in html
    assert "Charge succeeded: 44.88 EUR" in html
    assert "Parcelforce" in html and "TRK000000777" in html
    assert 'data-status="shipped"' in html and ">Shipped</span>" in html
    placed, paid, shipped = (
        html.index("Order placed."),
        html.index("Payment received."),
        html.index("Handed to carrier."),
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

    # then it holds status, timeline and no page chrome, and shows the new state
    html = first.content.decode()
    assert first.status_code == 200
    assert first["Cache-Control"] == "no-store"
    assert "<html" not in html and "Brass Telescope" not in html
    assert 'data-final="false"' in html and "Handed to carrier." in html
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


def test_guest_signed_link_opens_the_order_and_is_remembered(client):
    # given a guest order and the link from its confirmation email
    OrderFactory(number="G0000007", email="guest@example.com")

    # when the guest follows the link, then the fragment is fetched without the token
    page = client.get(signed_order_path("G0000007"))
    fragment = client.get("/orders/G0000007/status/")

    # then both are shown: the session remembers the grant
    assert page.status_code == 200
    assert "Order G0000007" in page.content.decode()
    assert fragment.status_code == 200
    assert client.session[SESSION_ORDERS] == ["G0000007"]


def test_session_that_placed_the_order_may_follow_it(client):
    # given a guest session that placed G0000008 at checkout (not G0000009), recorded under
    # the key sessions older than orders.selectors used
    OrderFactory(number="G0000008")
    OrderFactory(number="G0000009")
    session = client.session
    session["placed_orders"] = ["G0000008"]
    session.save()

    # when it opens both order pages
    mine = client.get("/orders/G0000008/")
    other = client.get("/orders/G0000009/")

    # then only its own order is shown
    assert (mine.status_code, other.status_code) == (200, 404)


def test_guest_link_of_another_order_does_not_open_this_one(client):
    # given two guest orders
    OrderFactory(number="G0000001")
    OrderFactory(number="G0000002")

    # when a link for G0000001 is used on G0000002, or a tampered token
    other = client.get("/orders/G0000002/", {"t": order_access_token("G0000001")})
    tampered = client.get("/orders/G0000002/", {"t": order_access_token("G0000002")[:-2] + "zz"})

    # then both are 404 and nothing was granted
    assert other.status_code == 404
    assert tampered.status_code == 404
    assert SESSION_ORDERS not in client.session


def test_another_shopper_gets_404_and_staff_may_look(shipped_order):
    # given a second shopper and a staff member
    mallory, staff = Client(), Client()
    mallory.force_login(UserFactory(email="mallory@example.com"))
    staff.force_login(StaffFactory(email="ops@example.com"))

    # when each opens the order page, fragment and cancel
    responses = {
        "mallory page": mallory.get("/orders/S0000042/").status_code,
        "mallory fragment": mallory.get("/orders/S0000042/status/").status_code,
        "mallory cancel": mallory.post("/orders/S0000042/cancel/").status_code,
        "staff page": staff.get("/orders/S0000042/").status_code,
        "staff fragment": staff.get("/orders/S0000042/status/").status_code,
    }

    # then the order does not exist for mallory; staff see it
    assert responses == {
        "mallory page": 404,
        "mallory fragment": 404,
        "mallory cancel": 404,
        "staff page": 200,
        "staff fragment": 200,
    }
    shipped_order.refresh_from_db()
    assert shipped_order.status == "shipped"


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


def test_cancel_before_any_workflow_cancels_in_the_database(
    client, shopper, mailoutbox, django_capture_on_commit_callbacks
):
    # given an order Temporal never heard of (workflow not started yet)
    order = OrderFactory(number="C0000001", user=shopper, email=shopper.email)
    client.force_login(shopper)

    # when the owner presses cancel
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/orders/C0000001/cancel/", follow=True)

    # then it is cancelled with an event saying who did it, and the outcome is shown
    order.refresh_from_db()
    assert order.status == "cancelled"
    event = OrderEvent.objects.get(order=order, kind="cancelled")
    assert (event.from_status, event.to_status, event.actor) == (
        "received",
        "cancelled",
        "ada@example.com",
    )
    assert response.redirect_chain == [("/orders/C0000001/", 302)]
    assert "Order C0000001 is cancelled. Nothing was charged." in response.content.decode()
    assert order.failure_reason == "Cancelled by the customer"
    assert [m.to for m in mailoutbox] == [["ada@example.com"]]
    assert "C0000001" in mailoutbox[0].subject


def test_cancel_with_workflow_and_temporal_down_says_try_again(client, shopper):
    # given a running order while Temporal is unreachable (the default in tests)
    from django.utils import timezone

    order = OrderFactory(
        number="C0000002", user=shopper, status="paid", workflow_started_at=timezone.now()
    )
    client.force_login(shopper)

    # when the owner presses cancel
    response = client.post("/orders/C0000002/cancel/", follow=True)

    # then nothing changed and she is asked to retry
    order.refresh_from_db()
    assert order.status == "paid"
    assert not OrderEvent.objects.filter(order=order).exists()
    assert (
        "We could not reach the order system; please try again in a minute."
        in response.content.decode()
    )


def test_cancel_by_guest_link_works_through_the_session(client):
    # given a guest who opened the signed link
    order = OrderFactory(number="C0000003")
    client.get(signed_order_path("C0000003"))

    # when they press cancel (the form posts without the token)
    client.post("/orders/C0000003/cancel/")

    # then the order is cancelled by "customer"
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert OrderEvent.objects.get(order=order, kind="cancelled").actor == "customer"


def test_cancel_when_too_late_is_refused_with_the_reason(client, shopper, shipped_order):
    # given a shipped order
    client.force_login(shopper)

    # when the owner posts cancel anyway (an old page)
    response = client.post("/orders/S0000042/cancel/", follow=True)

    # then it is refused with the reason and nothing changes
    shipped_order.refresh_from_db()
    assert shipped_order.status == "shipped"
    assert "Order S0000042 can no longer be cancelled: it is shipped." in response.content.decode()


def test_cancel_needs_post(client, shopper):
    # given an order of the shopper
    OrderFactory(number="C0000004", user=shopper)
    client.force_login(shopper)

    # when cancel is requested with GET
    response = client.get("/orders/C0000004/cancel/")

    # then it is refused and nothing changes
    assert response.status_code == 405


@pytest.mark.parametrize("path", ["/orders/A%00B/", "/orders/A%00B/status/"])
def test_nul_byte_in_order_number_is_not_found(client, shopper, path):
    # given a logged-in shopper (PostgreSQL can't compare NUL bytes at all)
    client.force_login(shopper)

    # when a number with a NUL byte is requested / then it is a plain 404
    assert client.get(path).status_code == 404


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
    with django_assert_max_num_queries(7) as page_small:
        client.get("/orders/S0000042/")
    with django_assert_max_num_queries(4) as fragment_small:
        client.get("/orders/S0000042/status/")

    # when the order has 10 more lines and 20 more events
    for i in range(10):
        OrderLineFactory(order=shipped_order, sku=f"MORE-{i}")
    for i in range(20):
        OrderEventFactory(order=shipped_order, kind="note", message=f"Note {i}.")
    with django_assert_max_num_queries(7) as page_large:
        page = client.get("/orders/S0000042/")
    with django_assert_max_num_queries(4) as fragment_large:
        fragment = client.get("/orders/S0000042/status/")

    # then the page and the fragment (polled every 2 s) ran the same queries as before
    assert len(page_large.captured_queries) == len(page_small.captured_queries)
    assert len(fragment_large.captured_queries) == len(fragment_small.captured_queries)
    assert "MORE-9" in page.content.decode() and "Note 19." in fragment.content.decode()
