"""Checkout knows the card's answer (Temporal's early return: Update-with-Start, bounded wait)
and a declined order is paid again from its pay page: the real order worker on the dev server,
the fake gateway's test cards, the real pages."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from orders.models import GatewayTransaction, Order, OrderEvent, Payment
from tests.factories import ProductFactory, set_stock
from tests.orders.test_checkout_views import ADDRESS, _fill_cart, _token
from tests.workflows.helpers import status_of, wait_for

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]

GOOD = "4242 4242 4242 4242"
DECLINED = "4000 0000 0000 0002"
INSUFFICIENT = "4000 0000 0000 9995"
TRANSIENT = "4000 0000 0000 0119"


def _checkout(client, card: str = GOOD):
    lamp = ProductFactory(name="Lamp", price=Decimal("20.00"))
    set_stock(lamp, 5)
    _fill_cart(client, (lamp, 2))
    data = {
        "email": "grace@example.com",
        "shipping_method": "standard",
        "checkout_token": _token(client),
        **ADDRESS,
        "card_number": card,
        "expiry": "12/39",
        "cvc": "123",
    }
    started = time.monotonic()
    response = client.post("/checkout/", data)
    return response, time.monotonic() - started, Order.objects.get()


def _state(html: str) -> str:
    return re.search(r'data-testid="payment-state" data-state="(\w+)"', html).group(1)


@pytest.mark.parametrize("card", [GOOD, TRANSIENT], ids=["4242", "0119-transient-twice"])
def test_authorized_card_shows_the_confirmation(order_worker, client, card):
    # Given a guest with a card that authorizes (at once, or after two processing errors)
    # When the order is placed
    response, _, order = _checkout(client, card)

    # Then the shopper lands on the confirmation that says the payment was accepted
    assert (response.status_code, response.url) == (302, f"/checkout/done/{order.number}/")
    page = client.get(response.url).content.decode()
    assert _state(page) == "authorized"
    assert "Thank you for your order!" in page
    authorization = Payment.objects.get(order=order, kind="authorization")
    assert (authorization.status, authorization.amount) == ("succeeded", Decimal("44.90"))
    assert authorization.idempotency_key == f"order-{order.number}-authorize"


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        (DECLINED, "The payment was declined by the card issuer."),
        (INSUFFICIENT, "The payment failed: the card has insufficient funds."),
    ],
)
def test_declined_card_lands_on_the_pay_page_with_the_reason(order_worker, client, card, reason):
    # Given a card the issuer refuses
    # When the order is placed
    response, _, order = _checkout(client, card)

    # Then the shopper is on the order's pay page with the items, the total and the reason
    assert (response.status_code, response.url) == (302, f"/orders/{order.number}/pay/")
    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert reason in html
    assert "Lamp" in html
    assert re.search(r'data-testid="pay-total"><strong>€44.90<', html)
    assert "Thank you" not in html
    assert status_of(order) == "awaiting_payment"
    # And the confirmation page, if opened anyway, never says paid
    done = client.get(f"/checkout/done/{order.number}/").content.decode()
    assert _state(done) == "declined"
    assert "Thank you" not in done and "Paid with" not in done


def test_pay_again_with_a_good_card_authorizes_and_ships(order_worker, client):
    # Given an order whose card was declined
    _, _, order = _checkout(client, DECLINED)
    assert status_of(order) == "awaiting_payment"

    # When the shopper pays with 4242 on the pay page
    response = client.post(
        f"/orders/{order.number}/pay/",
        {"card_number": GOOD, "expiry": "12/39", "cvc": "123"},
    )

    # Then the confirmation says accepted, and the order ships with one capture
    assert (response.status_code, response.url) == (302, f"/checkout/done/{order.number}/")
    assert _state(client.get(response.url).content.decode()) == "authorized"
    wait_for(lambda: Payment.objects.filter(order=order, kind="capture").exists())
    assert status_of(order) == "shipped"
    kinds = list(Payment.objects.filter(order=order).order_by("pk").values_list("kind", "status"))
    assert kinds == [
        ("authorization", "failed"),
        ("authorization", "succeeded"),
        ("capture", "succeeded"),
    ]
    assert Payment.objects.get(order=order, kind="capture").idempotency_key == (
        f"order-{order.number}-capture"
    )
    assert GatewayTransaction.objects.filter(kind="capture").count() == 1
    order.refresh_from_db()
    assert (order.card_brand, order.card_last4) == ("visa", "4242")


def test_pay_again_declined_again_stays_on_the_pay_page(order_worker, client):
    # Given an order whose card was declined
    _, _, order = _checkout(client, DECLINED)

    # When another declined card is tried
    response = client.post(
        f"/orders/{order.number}/pay/",
        {"card_number": INSUFFICIENT, "expiry": "12/39", "cvc": "123"},
    )

    # Then the page answers with the new reason and the order still waits
    assert response.status_code == 200
    assert "The payment failed: the card has insufficient funds." in response.content.decode()
    assert status_of(order) == "awaiting_payment"
    assert Payment.objects.filter(order=order, kind="authorization", status="failed").count() == 2


def test_pay_page_of_an_order_not_waiting_for_payment_sends_to_the_order(order_worker, client):
    # Given an authorized order
    _, _, order = _checkout(client, GOOD)

    # When its pay page is opened
    response = client.get(f"/orders/{order.number}/pay/")

    # Then the shopper is sent to the order page and told why
    assert (response.status_code, response.url) == (302, f"/orders/{order.number}/")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "This order is no longer waiting for a payment."
    ]


def test_pay_page_is_not_for_strangers(order_worker, client, django_user_model):
    # Given a declined order placed by another browser
    _, _, order = _checkout(client, DECLINED)
    client.logout()
    client.cookies.clear()

    # When someone else opens or posts its pay page
    get = client.get(f"/orders/{order.number}/pay/")
    post = client.post(
        f"/orders/{order.number}/pay/", {"card_number": GOOD, "expiry": "12/39", "cvc": "123"}
    )

    # Then it does not exist for them, and nothing was tried
    assert (get.status_code, post.status_code) == (404, 404)
    assert Payment.objects.filter(order=order, kind="authorization").count() == 1


def test_no_worker_answers_within_the_wait_and_says_pending(temporal, client, settings):
    # Given Temporal up but no worker polling, and a 1.5 s wait
    settings.CHECKOUT_PAYMENT_WAIT_SECONDS = 1.5

    # When the order is placed
    response, took, order = _checkout(client, GOOD)

    # Then the POST returns within the bound, and the page says received, not paid
    assert took < 1.5 + 2.0
    assert response.url == f"/checkout/done/{order.number}/"
    page = client.get(response.url).content.decode()
    assert _state(page) == "pending"
    assert "We are still confirming your payment" in page
    assert "Thank you" not in page
    # And the workflow was started (Temporal has it), recorded once on the order
    order.refresh_from_db()
    assert order.workflow_started_at is not None
    assert OrderEvent.objects.filter(order=order, kind="workflow_started").count() == 1


def test_temporal_down_saves_the_order_and_says_pending(client, settings):
    # Given Temporal unreachable (the tests' default: a closed port)
    # When the order is placed
    response, took, order = _checkout(client, GOOD)

    # Then the order is saved, not started, and the page says we'll email
    assert response.url == f"/checkout/done/{order.number}/"
    assert _state(client.get(response.url).content.decode()) == "pending"
    assert (order.status, order.workflow_started_at) == ("received", None)
    assert took < settings.TEMPORAL_CLIENT_TIMEOUT * 2 + 1


def test_a_decline_is_one_warning_line_without_a_traceback(order_worker, client, caplog):
    # Given the worker's and the SDK's loggers captured from WARNING up
    caplog.set_level("WARNING")

    # When a declined card is used at checkout
    _, _, order = _checkout(client, DECLINED)

    # Then the activity logged one WARNING with the order and the code, and nothing logged a
    # traceback for it (the SDK files a benign failure under DEBUG)
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "workflows.activities" and r.levelname == "WARNING"
    ]
    assert len(warnings) == 1
    assert f"order={order.number}" in warnings[0] and "code=card_declined" in warnings[0]
    assert [r.name for r in caplog.records if r.exc_info] == []
