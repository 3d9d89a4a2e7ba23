"""A session whose cards were declined CHECKOUT_DECLINE_LIMIT times in a row may not pay for a
while (pages and API): the real order worker on the dev server, the fake gateway's test cards."""

from __future__ import annotations

import pytest

from orders.models import Payment
from tests.orders.counting_gateway import CountingGateway
from tests.orders.test_checkout_payment import DECLINED, GOOD, _checkout
from tests.workflows.helpers import status_of

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]

TOO_MANY_DECLINES = "Your card was declined too many times in a row."


@pytest.fixture(autouse=True)
def _counting_gateway(settings):
    settings.PAYMENT_GATEWAY = "tests.orders.counting_gateway.CountingGateway"
    settings.CHECKOUT_DECLINE_LIMIT = 2
    CountingGateway.tokenized = []


def _pay(client, number: str, card: str):
    return client.post(
        f"/orders/{number}/pay/", {"card_number": card, "expiry": "12/39", "cvc": "123"}
    )


def test_two_declines_in_a_row_lock_the_session_out_of_paying(order_worker, client):
    # given a checkout whose card was declined, then a second declined card on the pay page
    response, _, order = _checkout(client, DECLINED)
    assert response.url == f"/orders/{order.number}/pay/"
    second = _pay(client, order.number, DECLINED)
    assert second.status_code == 200

    # when the session tries a third card
    third = _pay(client, order.number, GOOD)

    # then it is refused before the card reaches the gateway, saying why
    assert third.status_code == 429
    assert TOO_MANY_DECLINES in third.content.decode()
    assert CountingGateway.tokenized == ["0002", "0002"]
    assert list(
        Payment.objects.filter(order=order).order_by("pk").values_list("kind", "status")
    ) == [("authorization", "failed"), ("authorization", "failed")]
    assert status_of(order) == "awaiting_payment"
