"""The card's answer through the API: ``POST /api/checkout/`` waits (bounded) for it and says
``payment.status``; ``POST /api/orders/<number>/pay/`` pays again after a decline.

The workflow tests run the real order worker on the Temporal dev server (``transaction=True``:
its activities run in threads); the others need no Temporal (it is down in tests by default).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from orders.models import GatewayTransaction, Order, Payment
from tests.factories import OrderFactory, ProductFactory, UserFactory, row_counts, set_stock
from tests.workflows.helpers import status_of, wait_for

GOOD = {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}
DECLINED = {**GOOD, "number": "4000000000000002"}
ADDRESS = {
    "full_name": "Grace Hopper",
    "line1": "2 Compiler Road",
    "city": "Arlington",
    "postal_code": "22201",
    "country": "US",
}
DECLINE_MESSAGE = "The payment was declined by the card issuer."
NOT_WAITING = {"code": "payment_refused", "detail": "This order is not waiting for a payment."}
worker_db = pytest.mark.django_db(transaction=True)


def _guest_checkout(api: APIClient, card: dict, key: str = "pay-key-0001"):
    """A guest with 2 x 20.00 in the cart checks out with ``card``."""
    pot = ProductFactory(name="Teapot", sku="POT-PAY", price=Decimal("20.00"))
    set_stock(pot, 5)
    api.post("/api/cart/items/", {"product_id": pot.pk, "quantity": 2}, format="json")
    body = {
        "email": "grace@example.com",
        "shipping_address": ADDRESS,
        "shipping_method": "standard",
        "card": card,
    }
    return api.post("/api/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def _pay(api: APIClient, number: str, card: dict = GOOD):
    return api.post(f"/api/orders/{number}/pay/", {"card": card}, format="json")


def _settled(query) -> bool:
    """``query()`` truthy; False while SQLite's shared test database is locked by a worker
    thread (the next poll reads again)."""
    try:
        return bool(query())
    except OperationalError:
        return False


# --- checkout's answer -------------------------------------------------------------------------


@pytest.mark.temporal
@worker_db
def test_checkout_with_4242_answers_authorized(order_worker, api):
    # given a guest with a cart, the order worker running
    # when they check out with the success card
    response = _guest_checkout(api, GOOD)

    # then the order is placed and the answer says the card was authorized
    assert response.status_code == 201
    data = response.json()
    assert data["payment"] == {"status": "authorized", "code": "", "detail": ""}
    assert data["status"] in ("authorized", "shipped")  # the workflow goes on meanwhile
    order = Order.objects.get(number=data["number"])
    authorization = Payment.objects.get(order=order, kind="authorization")
    assert (authorization.status, authorization.amount) == ("succeeded", Decimal("44.90"))
    assert authorization.idempotency_key == f"order-{order.number}-authorize"


@pytest.mark.temporal
@worker_db
def test_checkout_with_a_declined_card_answers_declined_and_the_order_waits(order_worker, api):
    # given a guest with a cart, the order worker running
    # when they check out with the card the issuer declines
    response = _guest_checkout(api, DECLINED)

    # then the order is placed and waits for another card; the answer says why
    assert response.status_code == 201
    data = response.json()
    assert data["payment"] == {
        "status": "declined",
        "code": "card_declined",
        "detail": DECLINE_MESSAGE,
    }
    assert data["status"] == "awaiting_payment"
    assert data["payment_method"] == {"card_brand": "visa", "card_last4": "0002"}
    order = Order.objects.get(number=data["number"])
    assert list(Payment.objects.filter(order=order).values_list("kind", "status")) == [
        ("authorization", "failed")
    ]


@pytest.mark.django_db
def test_checkout_with_temporal_down_answers_pending(api):
    # given a guest with a cart, and Temporal unreachable (the tests' default)
    # when they check out
    response = _guest_checkout(api, GOOD)

    # then the order is kept (the sweeper starts it later) and the card's answer is pending
    assert response.status_code == 201
    data = response.json()
    assert data["payment"] == {"status": "pending", "code": "", "detail": ""}
    assert data["status"] == "received"
    order = Order.objects.get(number=data["number"])
    assert order.workflow_started_at is None
    assert not Payment.objects.filter(order=order).exists()


# --- paying again ------------------------------------------------------------------------------


@pytest.mark.temporal
@worker_db
def test_pay_again_with_4242_after_a_decline_authorizes_and_the_order_ships(order_worker, api):
    # given a guest's order whose card was declined at checkout
    number = _guest_checkout(api, DECLINED).json()["number"]
    order = Order.objects.get(number=number)
    assert status_of(order) == "awaiting_payment"

    # when they pay again with the success card
    response = _pay(api, number, GOOD)

    # then the answer says authorized, with the order now on the new card
    assert response.status_code == 200
    data = response.json()
    assert data["payment"] == {"status": "authorized", "code": "", "detail": ""}
    assert data["order"]["number"] == number
    assert data["order"]["status"] in ("authorized", "shipped")
    assert data["order"]["payment_method"] == {"card_brand": "visa", "card_last4": "4242"}
    # and the order moves on: shipped, the new authorization captured once
    wait_for(
        lambda: _settled(Payment.objects.filter(order=order, kind="capture").exists), timeout=20
    )
    assert status_of(order) == "shipped"
    payments = Payment.objects.filter(order=order).order_by("pk")
    assert list(payments.values_list("kind", "status", "idempotency_key")) == [
        ("authorization", "failed", f"order-{number}-authorize"),
        ("authorization", "succeeded", f"order-{number}-authorize-2"),
        ("capture", "succeeded", f"order-{number}-capture"),
    ]
    assert GatewayTransaction.objects.filter(kind="capture").count() == 1


@pytest.mark.temporal
@worker_db
def test_pay_on_an_authorized_order_is_a_409(order_worker, api):
    # given a guest's order whose card was authorized at checkout
    number = _guest_checkout(api, GOOD).json()["number"]

    # when they try to pay for it again (while the workflow ships and captures)
    response = _pay(api, number, GOOD)

    # then it is refused (not waiting for a payment), and no second card was tried
    assert response.status_code == 409
    assert response.json() == NOT_WAITING
    authorizations = Payment.objects.filter(order__number=number, kind="authorization")
    assert list(authorizations.values_list("status", "idempotency_key")) == [
        ("succeeded", f"order-{number}-authorize")
    ]
    assert GatewayTransaction.objects.filter(kind="authorize").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["received", "authorized", "shipped", "cancelled"])
def test_pay_on_an_order_not_awaiting_payment_is_a_409(shopper_api, shopper, status):
    # given the shopper's order in a state where nothing is to be paid
    order = OrderFactory(number="P0000001", user=shopper, status=status)
    before = row_counts()

    # when they post a card to its pay endpoint
    response = _pay(shopper_api, order.number, GOOD)

    # then it is refused with the reason, and nothing was written
    assert response.status_code == 409
    assert response.json() == NOT_WAITING
    assert row_counts() == before


@pytest.mark.django_db
def test_pay_with_a_bad_card_number_is_a_422(shopper_api, shopper):
    # given the shopper's order waiting for a payment
    order = OrderFactory(number="P0000002", user=shopper, status="awaiting_payment")
    before = row_counts()

    # when they pay with a number that fails the Luhn check
    response = _pay(shopper_api, order.number, {**GOOD, "number": "4242 4242 4242 4241"})

    # then the card is refused before anything is tried, and the order still waits
    assert response.status_code == 422
    assert response.json() == {"code": "invalid_number", "detail": "That card number is not valid."}
    assert row_counts() == before
    assert status_of(order) == "awaiting_payment"


@pytest.mark.django_db
def test_pay_for_someone_elses_order_is_a_404(shopper_api):
    # given another user's order waiting for a payment
    OrderFactory(number="P0000003", user=UserFactory(), status="awaiting_payment")

    # when the shopper posts a card to its pay endpoint
    response = _pay(shopper_api, "P0000003", GOOD)

    # then it does not exist for them, and nothing was tried
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}
    assert not Payment.objects.exists()
    assert Order.objects.get().status == "awaiting_payment"


@pytest.mark.django_db
def test_pay_with_temporal_down_is_a_503(shopper_api, shopper):
    # given the shopper's order waiting for a payment, while Temporal is unreachable
    order = OrderFactory(number="P0000004", user=shopper, status="awaiting_payment")

    # when they pay again
    response = _pay(shopper_api, order.number, GOOD)

    # then they are told to retry shortly, and the order still waits
    assert response.status_code == 503
    assert response.json()["code"] == "temporarily_unavailable"
    assert status_of(order) == "awaiting_payment"
    assert not Payment.objects.exists()
