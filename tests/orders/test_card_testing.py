"""Card testing: the card goes to the gateway last (after the form and the cart), checkout and
pay-again are limited per session, account and client address (RATE_LIMIT_CHECKOUT), a session
that had CHECKOUT_DECLINE_LIMIT declines in a row may not pay for a while, and guest orders are
limited per email address (RATE_LIMIT_GUEST_EMAIL). Counters in the cache (Redis in CI)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from orders.models import Order
from orders.services.limits import declines_exhausted, record_payment_outcome
from tests.factories import ProductFactory, UserFactory, set_stock
from tests.orders.counting_gateway import CountingGateway
from tests.orders.test_checkout_views import ADDRESS, _fill_cart, _token

pytestmark = pytest.mark.django_db

BAD_CARD = "4242 4242 4242 4241"  # fails the Luhn check: the gateway refuses it
TOO_MANY = "Too many attempts to pay. Please wait a few minutes before you try again."


@pytest.fixture(autouse=True)
def _counting_gateway(settings):
    settings.PAYMENT_GATEWAY = "tests.orders.counting_gateway.CountingGateway"
    CountingGateway.tokenized = []


def _submit(client: Client, token: str, ip: str = "10.8.8.8", **overrides):
    data = {
        "email": "grace@example.com",
        "shipping_method": "standard",
        "checkout_token": token,
        **ADDRESS,
        "card_number": BAD_CARD,
        "expiry": "12/39",
        "cvc": "123",
        **overrides,
    }
    return client.post("/checkout/", data, REMOTE_ADDR=ip)


def _with_cart(client: Client) -> str:
    lamp = set_stock(ProductFactory(price=Decimal("20.00")), 50)
    _fill_cart(client, (lamp, 1))
    return _token(client)


def test_40_empty_cart_submits_send_no_card_to_the_gateway(client):
    # given a session with an empty cart
    # when a card tester submits the checkout 40 times with as many cards
    codes = [
        _submit(client, f"{n:032x}", card_number=f"4242 4242 4242 {n:04d}").status_code
        for n in range(40)
    ]

    # then each is sent back to the cart, and no card reached the gateway
    assert codes == [302] * 40
    assert CountingGateway.tokenized == []


def test_an_invalid_form_sends_no_card_to_the_gateway(client):
    # given a cart, and a checkout missing the address
    token = _with_cart(client)

    # when it is submitted
    response = _submit(client, token, line1="", city="")

    # then the form says what is missing, and the card was not sent
    assert response.status_code == 200
    assert CountingGateway.tokenized == []


def test_checkout_submits_are_limited_per_session(client, settings):
    # given at most 3 payment attempts per 10 minutes, and a cart
    settings.RATE_LIMIT_CHECKOUT = "3/10min"
    token = _with_cart(client)

    # when one session tries 6 cards
    responses = [_submit(client, token) for _ in range(6)]

    # then 3 reach the gateway (and are refused by it), the rest are refused before it
    assert [r.status_code for r in responses] == [200, 200, 200, 429, 429, 429]
    assert len(CountingGateway.tokenized) == 3
    assert TOO_MANY in responses[-1].content.decode()


def test_checkout_submits_are_limited_per_client_address(settings):
    # given the same limit, and one address opening a new session for every try
    settings.RATE_LIMIT_CHECKOUT = "3/10min"
    codes = []
    for _ in range(5):
        browser = Client()
        codes.append(_submit(browser, _with_cart(browser), ip="10.9.9.9").status_code)

    # then the address is refused after 3 tries, and another address is not
    other = Client()
    assert codes == [200, 200, 200, 429, 429]
    assert _submit(other, _with_cart(other), ip="10.1.2.3").status_code == 200
    assert len(CountingGateway.tokenized) == 4


def test_checkout_submits_are_limited_per_account(settings):
    # given the same limit, and one account trying from ever new addresses and sessions
    settings.RATE_LIMIT_CHECKOUT = "3/10min"
    user = UserFactory()
    codes = []
    for n in range(5):
        browser = Client()
        browser.force_login(user)
        codes.append(_submit(browser, _with_cart(browser), ip=f"10.7.0.{n}").status_code)

    # then the account is refused after 3 tries
    assert codes == [200, 200, 200, 429, 429]


def test_guest_orders_are_limited_per_email_address(settings):
    # given at most 2 guest orders an hour for one address (Temporal down: orders wait)
    settings.RATE_LIMIT_GUEST_EMAIL = "2/h"
    good = {"card_number": "4242 4242 4242 4242", "email": "victim@example.com"}

    # when guests order 3 times for that address, from different sessions and addresses
    codes = []
    for n in range(3):
        browser = Client()
        codes.append(_submit(browser, _with_cart(browser), ip=f"10.4.0.{n}", **good).status_code)
    refused = Client()
    page = _submit(refused, _with_cart(refused), ip="10.4.1.1", **good)

    # then 2 orders are placed and the rest refused, without sending the card
    assert codes == [302, 302, 429]
    assert Order.objects.count() == 2
    assert "many orders for this email address" in page.content.decode()
    assert len(CountingGateway.tokenized) == 2


def test_declines_count_in_a_row_and_an_authorized_card_ends_the_streak(rf, settings):
    # given a session, and a lockout after 2 declines in a row
    settings.CHECKOUT_DECLINE_LIMIT = 2
    request = rf.post("/checkout/")
    request.session = SessionStore()
    request.session.create()
    request.user = AnonymousUser()

    # when its cards are declined, authorized, declined, then declined again
    seen = []
    for declined in (True, False, True, True):
        record_payment_outcome(request, declined=declined)
        seen.append(declines_exhausted(request))

    # then only two declines in a row lock it
    assert seen == [False, False, False, True]
