"""Cookieless API writes: each would make a session and a cart. New anonymous carts are
limited per client address (RATE_LIMIT_ANONYMOUS_CARTS), and carts whose session is gone are
cleaned up."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from cart.models import Cart
from tests.factories import ProductFactory, set_stock

pytestmark = pytest.mark.django_db


def _add(client: APIClient, product_id: int, ip: str = "10.5.5.5"):
    return client.post(
        "/api/cart/items/", {"product_id": product_id, "quantity": 1}, format="json", REMOTE_ADDR=ip
    )


def test_cookieless_writes_stop_making_carts_at_the_limit(settings):
    # given a limit of 3 new anonymous carts an hour per address
    settings.RATE_LIMIT_ANONYMOUS_CARTS = "3/h"
    product = set_stock(ProductFactory(), 50)

    # when a client that never keeps cookies adds to a cart 5 times
    codes = [_add(APIClient(), product.pk).status_code for _ in range(5)]
    refused = _add(APIClient(), product.pk)

    # then 3 carts (and sessions) were made and the rest refused with a plain reason
    assert codes == [201, 201, 201, 429, 429]
    assert refused.json() == {
        "code": "rate_limited",
        "detail": "Too many new carts from your network just now. Please try again later, and "
        "allow cookies so your cart is kept.",
    }
    assert Cart.objects.count() == 3
    assert Session.objects.count() == 3


def test_a_client_that_keeps_its_cookie_is_not_limited(settings):
    # given the same limit, and a client that keeps its session cookie
    settings.RATE_LIMIT_ANONYMOUS_CARTS = "3/h"
    product = set_stock(ProductFactory(), 50)
    client = APIClient()

    # when it adds to its cart 5 times, and another address starts a cart
    codes = [_add(client, product.pk).status_code for _ in range(5)]
    other = _add(APIClient(), product.pk, ip="10.6.6.6")

    # then every call works on its one cart
    assert codes == [201] * 5
    assert other.status_code == 201
    assert Cart.objects.count() == 2


def test_carts_whose_session_is_gone_are_cleaned_up():
    # given three anonymous carts made by cookieless calls two hours ago (their sessions
    # expired), one made a minute ago, and one whose shopper still has a live session
    product = set_stock(ProductFactory(), 50)
    for _ in range(3):
        _add(APIClient(), product.pk)
    Session.objects.update(expire_date=timezone.now() - timedelta(minutes=1))
    Cart.objects.update(created_at=timezone.now() - timedelta(hours=2))
    fresh = APIClient()
    _add(fresh, product.pk)
    Session.objects.filter(expire_date__gt=timezone.now()).delete()  # never came back
    kept = APIClient()
    _add(kept, product.pk)
    Cart.objects.filter(pk=Cart.objects.latest("pk").pk).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    out = StringIO()

    # when the cleanup runs
    call_command("clear_stale_carts", stdout=out)

    # then the three orphans are gone; the fresh one (within the hour) and the live one stay
    assert out.getvalue().splitlines()[0] == "Deleted 3 anonymous cart(s) whose session is gone."
    assert Cart.objects.count() == 2
    assert Session.objects.count() == 1
