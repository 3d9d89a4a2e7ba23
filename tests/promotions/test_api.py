"""Vouchers and VAT in the API: ``PATCH /api/cart/`` applies or removes a voucher (the cart
answers with the discount and VAT per rate), checkout takes ``voucher_code``, and an order
shows its discount, VAT per rate and each line's net and tax."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import ProductFactory
from tests.promotions.factories import VoucherFactory

pytestmark = pytest.mark.django_db

ADDRESS = {
    "full_name": "Ada Lovelace",
    "line1": "Rue de Rivoli 1",
    "city": "Paris",
    "postal_code": "75001",
    "country": "FR",
}
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}


@pytest.fixture
def api() -> APIClient:
    """A guest with 2 x 20.00 (standard VAT) and 1 x 10.00 (reduced) in the cart."""
    client = APIClient()
    lamp = ProductFactory(price=Decimal("20.00"))
    book = ProductFactory(price=Decimal("10.00"), tax_class="reduced")
    client.post("/api/cart/items/", {"product_id": lamp.pk, "quantity": 2}, format="json")
    client.post("/api/cart/items/", {"product_id": book.pk}, format="json")
    return client


def patch(client: APIClient, code):
    return client.patch("/api/cart/", {"voucher_code": code}, format="json")


def test_apply_a_voucher_to_the_cart(api):
    # Given a 10 % voucher
    VoucherFactory(code="TEN", value=Decimal("10"))
    # When the guest applies it
    response = patch(api, "ten")
    # Then the cart answers with the discount (5.00 shared 4.00 / 1.00) and the VAT of the
    # shop's country inside the discounted lines: 36.00 at 19 %, 9.00 at 7 %
    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in ("voucher_code", "voucher_problem", "subtotal")} == {
        "voucher_code": "TEN",
        "voucher_problem": "",
        "subtotal": "50.00",
    }
    assert (body["discount"], body["total"], body["tax_country"]) == ("5.00", "45.00", "DE")
    assert body["taxes"] == [
        {"rate": "19.00", "net": "30.25", "tax": "5.75"},
        {"rate": "7.00", "net": "8.41", "tax": "0.59"},
    ]
    assert body["tax_total"] == "6.34"
    assert [line["tax_rate"] for line in body["lines"]] == ["19.00", "7.00"]


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (lambda: None, 422, "voucher_unknown"),
        (
            lambda: VoucherFactory(code="X", valid_until=timezone.now() - timedelta(days=1)),
            409,
            "voucher_expired",
        ),
        (lambda: VoucherFactory(code="X", minimum_subtotal=100), 409, "voucher_minimum_subtotal"),
        (lambda: VoucherFactory(code="X", usage_limit=0), 409, "voucher_exhausted"),
    ],
    ids=["unknown", "expired", "minimum", "exhausted"],
)
def test_an_unusable_voucher_is_refused_with_its_code(api, make, status, code):
    # Given a code that can't be used
    make()
    # When applied / Then refused with the error shape, and the cart keeps no code
    response = patch(api, "X")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert api.get("/api/cart/").json()["voucher_code"] == ""


def test_null_or_empty_removes_the_voucher(api):
    # Given a voucher on the cart
    VoucherFactory(code="TEN", value=Decimal("10"))
    patch(api, "TEN")
    # When removed with null / Then the cart is at full price
    removed = patch(api, None)
    assert (removed.status_code, removed.json()["voucher_code"], removed.json()["total"]) == (
        200,
        "",
        "50.00",
    )
    # And a body without the field is a 400
    assert api.patch("/api/cart/", {}, format="json").status_code == 400


def test_an_empty_cart_takes_no_voucher():
    VoucherFactory(code="TEN")
    response = patch(APIClient(), "TEN")
    assert (response.status_code, response.json()["code"]) == (409, "empty_cart")


def test_checkout_with_a_voucher_code_shows_discount_and_vat(api):
    # Given a 10 % free-shipping voucher
    VoucherFactory(code="TENFREE", value=Decimal("10"), free_shipping=True)
    # When the guest checks out to France naming it
    body = {
        "email": "ada@example.com",
        "shipping_address": ADDRESS,
        "shipping_method": "standard",
        "card": CARD,
        "voucher_code": "tenfree",
    }
    response = api.post("/api/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY="vat-0001")
    # Then the order has the discount, free shipping and French VAT (20 %, 5.5 %) per line
    assert response.status_code == 201
    data = response.json()
    assert {
        key: data[key]
        for key in (
            "voucher_code",
            "subtotal",
            "discount_total",
            "shipping_cost",
            "total",
            "prices_include_tax",
            "net_total",
            "tax_total",
            "shipping_net",
            "shipping_tax",
            "shipping_tax_rate",
        )
    } == {
        "voucher_code": "TENFREE",
        "subtotal": "50.00",
        "discount_total": "5.00",
        "shipping_cost": "0.00",
        "total": "45.00",
        "prices_include_tax": True,
        "net_total": "38.53",
        "tax_total": "6.47",
        "shipping_net": "0.00",
        "shipping_tax": "0.00",
        "shipping_tax_rate": "20.00",
    }
    assert data["taxes"] == [
        {"rate": "20.00", "net": "30.00", "tax": "6.00"},
        {"rate": "5.50", "net": "8.53", "tax": "0.47"},
    ]
    assert [
        (line["tax_rate"], line["discount_amount"], line["net_amount"], line["tax_amount"])
        for line in data["lines"]
    ] == [("20.00", "4.00", "30.00", "6.00"), ("5.50", "1.00", "8.53", "0.47")]
    # And the same order reads back alike
    again = api.get(f"/api/orders/{data['number']}/").json()
    assert (again["taxes"], again["discount_total"]) == (data["taxes"], "5.00")


def test_checkout_with_a_used_up_code_is_409_and_places_nothing(api):
    # Given a used-up voucher
    VoucherFactory(code="GONE", usage_limit=1, times_used=1)
    body = {
        "email": "ada@example.com",
        "shipping_address": ADDRESS,
        "shipping_method": "standard",
        "card": CARD,
        "voucher_code": "GONE",
    }
    # When checking out with it / Then 409 with the reason, and the cart is kept
    response = api.post("/api/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY="vat-0002")
    assert (response.status_code, response.json()) == (
        409,
        {"code": "voucher_exhausted", "detail": "The voucher GONE has been used up."},
    )
    assert api.get("/api/cart/").json()["item_count"] == 3
