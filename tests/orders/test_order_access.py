"""Who may open an order's page: its owner, staff with the permission, the browser that placed
it, a signed link; everyone else a 404."""

from __future__ import annotations

import pytest
from django.test import Client

from orders.links import order_access_token, signed_order_path
from orders.selectors import SESSION_LINKED, SESSION_ORDERS
from tests.factories import (
    OrderFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_guest_signed_link_opens_the_order_and_is_remembered(client):
    # given a guest order and the link from its confirmation email
    OrderFactory(number="G0000007", email="guest@example.com")

    # when the guest follows the link, then the fragment is fetched without the token
    opened = client.get(signed_order_path("G0000007"))
    page = client.get(opened["Location"])
    fragment = client.get("/orders/G0000007/status/")

    # then the link lands on the clean URL (no token in the address bar, history or logs), and
    # both are shown: the session remembers the grant (view only)
    assert (opened.status_code, opened["Location"]) == (302, "/orders/G0000007/")
    assert opened["Cache-Control"] == "private, no-store"
    assert page.status_code == 200
    assert "Order G0000007" in page.content.decode()
    assert fragment.status_code == 200
    assert client.session[SESSION_LINKED] == {"G0000007": 0}


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


@pytest.mark.parametrize("path", ["/orders/A%00B/", "/orders/A%00B/status/"])
def test_nul_byte_in_order_number_is_not_found(client, shopper, path):
    # given a logged-in shopper (PostgreSQL can't compare NUL bytes at all)
    client.force_login(shopper)

    # when a number with a NUL byte is requested / then it is a plain 404
    assert client.get(path).status_code == 404
