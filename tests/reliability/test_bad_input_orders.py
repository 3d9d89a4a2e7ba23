"""Bad input catalogue, order pages: other people's orders and tampered signed links.

Whoever may not see an order gets the same 404 as for an order that does not exist (never a
403 that would confirm it exists), with a clear message, and nothing is written.
"""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client

from orders.links import order_access_token
from tests.factories import OrderEventFactory, OrderFactory, UserFactory, row_counts

pytestmark = pytest.mark.django_db

NOT_FOUND_MESSAGE = "We could not find that page."
CSRF_MESSAGE = "Your session expired or cookies are blocked."


@pytest.fixture
def alice_order():
    alice = UserFactory(email="alice@example.com")
    order = OrderFactory(number="A0000001", user=alice, email=alice.email)
    OrderEventFactory(order=order)
    return order


@pytest.fixture
def guest_order():
    order = OrderFactory(number="G0000001", user=None, email="guest@example.com")
    OrderEventFactory(order=order)
    return order


def _assert_not_found(response) -> None:
    assert response.status_code == 404
    assert NOT_FOUND_MESSAGE in response.content.decode()
    assert "A0000001" not in response.content.decode()
    assert "G0000001" not in response.content.decode()


def _forged_token(number: str) -> str:
    return signing.dumps(number, salt="orders.guest-link", key="not-our-secret", compress=True)


def _flipped_token(number: str) -> str:
    token = order_access_token(number)
    last = "A" if token[-1] != "A" else "B"
    return token[:-1] + last


@pytest.mark.parametrize("suffix", ["", "status/"])
def test_owner_and_signed_link_see_the_order(client, alice_order, guest_order, suffix):
    # given alice logged in, and a guest holding the signed link from the email
    client.force_login(alice_order.user)
    guest = Client()

    # when each opens their own order (the link's token is taken into the session and the
    # address cleaned of it)
    own = client.get(f"/orders/{alice_order.number}/{suffix}")
    linked = guest.get(
        f"/orders/{guest_order.number}/{suffix}?t={order_access_token('G0000001')}", follow=True
    )

    # then both are shown (the 404s below are about who asks, not about broken pages)
    assert own.status_code == 200
    assert linked.status_code == 200
    assert "A0000001" in own.content.decode()
    if suffix:  # the live fragment: answered in place
        assert linked.redirect_chain == []
        assert 'data-status="received"' in linked.content.decode()
    else:  # the page: redirected to the clean address
        assert linked.redirect_chain == [("/orders/G0000001/", 302)]
        assert "G0000001" in linked.content.decode()


@pytest.mark.parametrize(
    "who",
    ["anonymous", "another shopper"],
)
@pytest.mark.parametrize("suffix", ["", "status/"])
def test_someone_elses_order_is_not_found(client, alice_order, who, suffix):
    # given a visitor who is not alice
    if who == "another shopper":
        client.force_login(UserFactory(email="mallory@example.com"))
    before = row_counts()

    # when they open alice's order page or its status fragment
    response = client.get(f"/orders/{alice_order.number}/{suffix}")

    # then it does not exist for them, and nothing was written
    _assert_not_found(response)
    assert row_counts() == before


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("garbage", id="garbage"),
        pytest.param("G0000001", id="order-number-as-token"),
        pytest.param(_flipped_token("G0000001"), id="last-char-flipped"),
        pytest.param(_forged_token("G0000001"), id="signed-with-another-key"),
        pytest.param(order_access_token("A0000001"), id="valid-link-of-another-order"),
        pytest.param(order_access_token("G0000001") + "x" * 5000, id="oversized"),
        pytest.param("%00%ff<script>", id="control-chars"),
    ],
)
def test_tampered_signed_link_is_not_found(client, alice_order, guest_order, token):
    # given a guest holding a tampered link to the guest order
    before = row_counts()

    # when they open the order page with it
    response = client.get(f"/orders/{guest_order.number}/", {"t": token})

    # then the order does not exist for them, the link is not remembered, nothing is written
    _assert_not_found(response)
    assert client.get(f"/orders/{guest_order.number}/").status_code == 404
    assert row_counts() == before


def test_expired_signed_link_is_not_found(client, guest_order, settings, monkeypatch):
    # given a link signed more than a year ago
    import time

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 366 * 86400)
    old_token = order_access_token(guest_order.number)
    monkeypatch.setattr(time, "time", real_time)

    # when a guest opens the order page with it
    response = client.get(f"/orders/{guest_order.number}/", {"t": old_token})

    # then it no longer grants access
    _assert_not_found(response)


@pytest.mark.parametrize("who", ["anonymous", "another shopper", "tampered link"])
def test_cancelling_someone_elses_order_is_not_found(alice_order, guest_order, who):
    # given a visitor with a CSRF-checking browser who may not see the order
    browser = Client(enforce_csrf_checks=True)
    if who == "another shopper":
        browser.force_login(UserFactory(email="mallory@example.com"))
    target = alice_order if who != "tampered link" else guest_order
    query = f"?t={_flipped_token(target.number)}" if who == "tampered link" else ""
    browser.get("/admin/login/")  # any page that sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    before = row_counts()

    # when they post the cancel form of that order
    response = browser.post(
        f"/orders/{target.number}/cancel/{query}", {"csrfmiddlewaretoken": csrf}
    )

    # then the order is not found, stays received, and nothing is written
    _assert_not_found(response)
    target.refresh_from_db()
    assert target.status == "received"
    assert row_counts() == before


def test_cancel_without_csrf_token_is_forbidden(client, alice_order):
    # given alice logged in, in a browser that enforces CSRF
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice_order.user)
    before = row_counts()

    # when a cross-site form posts the cancel without a token
    response = browser.post(f"/orders/{alice_order.number}/cancel/", {})

    # then it is refused with a clear message, the order stays received, nothing is written
    assert response.status_code == 403
    assert CSRF_MESSAGE in response.content.decode()
    alice_order.refresh_from_db()
    assert alice_order.status == "received"
    assert row_counts() == before


@pytest.mark.parametrize(
    "number",
    [
        "DOESNOTEXIST",
        "0",
        "-1",
        "A0000001'--",
        "x" * 300,
        "%2e%2e%2f",
        "A%00B",
        "A%00B/status",
    ],
)
def test_unknown_order_numbers_are_not_found(client, alice_order, number):
    # given alice logged in
    client.force_login(alice_order.user)
    before = row_counts()

    # when she opens an order number that does not exist
    response = client.get(f"/orders/{number}/")

    # then it is a clean 404 and nothing is written
    _assert_not_found(response)
    assert row_counts() == before


def test_order_list_needs_login(client, alice_order):
    # given an anonymous visitor
    # when they open /orders/
    response = client.get("/orders/")

    # then they are sent to log in, with nobody's orders shown
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/orders/"
