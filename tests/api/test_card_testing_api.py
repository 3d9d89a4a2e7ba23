"""Card testing through the API: the card goes to the gateway only after the cart is known to
be orderable and within the limits (RATE_LIMIT_CHECKOUT, RATE_LIMIT_GUEST_EMAIL)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from tests.api.test_checkout import BODY
from tests.factories import ProductFactory, set_stock
from tests.orders.counting_gateway import CountingGateway

pytestmark = pytest.mark.django_db

BAD_CARD = {**BODY["card"], "number": "4242 4242 4242 4241"}


@pytest.fixture(autouse=True)
def _counting_gateway(settings):
    settings.PAYMENT_GATEWAY = "tests.orders.counting_gateway.CountingGateway"
    CountingGateway.tokenized = []


def _checkout(client, card=BAD_CARD, **changes):
    return client.post(
        "/api/checkout/",
        {**BODY, "card": card, **changes},
        format="json",
        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
    )


def test_checkouts_of_an_empty_cart_send_no_card(api):
    # given a caller with no cart
    # when it checks out 10 times with as many cards
    codes = [_checkout(api).status_code for _ in range(10)]

    # then each is refused as an empty cart, and no card reached the gateway
    assert codes == [409] * 10
    assert CountingGateway.tokenized == []


def test_checkout_attempts_are_limited(api, settings):
    # given at most 2 payment attempts per 10 minutes, and a cart
    settings.RATE_LIMIT_CHECKOUT = "2/10min"
    lamp = set_stock(ProductFactory(price=Decimal("20.00")), 5)
    api.post("/api/cart/items/", {"product_id": lamp.pk, "quantity": 1}, format="json")

    # when the caller tries 4 bad cards
    responses = [_checkout(api) for _ in range(4)]

    # then two reach the gateway, the others are a 429 saying why
    assert [r.status_code for r in responses] == [422, 422, 429, 429]
    assert responses[-1].json() == {
        "code": "rate_limited",
        "detail": "Too many attempts to pay. Please wait a few minutes before you try again.",
    }
    assert len(CountingGateway.tokenized) == 2
