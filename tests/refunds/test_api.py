"""``/api/orders/<number>/refunds/``: staff only, codes per docs/API.md's status policy."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from refunds.models import Refund
from tests.factories import StaffFactory, UserFactory, row_counts
from tests.refunds.factories import captured_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_api() -> APIClient:
    client = APIClient()
    client.force_authenticate(StaffFactory(email="refunds-staff@example.com"))
    return client


def _url(order) -> str:
    return f"/api/orders/{order.number}/refunds/"


def test_staff_refund_one_unit_and_list_it(staff_api):
    # Given a delivered order of 2 x 11.90 + 4.90 shipping
    order = captured_order()
    line = order.lines.get()

    # When staff refund one unit
    response = staff_api.post(
        _url(order),
        {"lines": [{"line_id": line.pk, "quantity": 1}], "reason": "Dented"},
        format="json",
    )

    # Then 201 with the refund, requested (its workflow carries it out)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in ("number", "status", "amount", "net", "tax", "actor")} == {
        "number": f"{order.number}-R1",
        "status": "requested",
        "amount": "11.90",
        "net": "10.00",
        "tax": "1.90",
        "actor": "refunds-staff@example.com",
    }
    assert body["lines"] == [
        {
            "line_id": line.pk,
            "sku": line.sku,
            "name": line.name,
            "quantity": 1,
            "net": "10.00",
            "tax": "1.90",
            "gross": "11.90",
        }
    ]
    # And the list shows it
    listed = staff_api.get(_url(order))
    assert listed.status_code == 200
    assert [r["number"] for r in listed.json()] == [f"{order.number}-R1"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": "-1.00", "reason": "x"}, 400, "invalid"),
        ({"amount": "0", "reason": "x"}, 400, "invalid"),
        ({"lines": [{"line_id": 1, "quantity": 0}]}, 400, "invalid"),
        ({"amount": "abc"}, 400, "invalid"),
        ({"amount": "5.00"}, 422, "reason_required"),
        ({}, 422, "invalid_amount"),
        ({"lines": [{"line_id": 2**31 - 1, "quantity": 1}]}, 422, "invalid_line"),
        ({"lines": [{"line_id": "LINE", "quantity": 3}]}, 422, "invalid_quantity"),
        ({"amount": "28.71", "reason": "x"}, 409, "over_refund"),
    ],
)
def test_bad_input_gets_a_clear_answer_and_changes_nothing(staff_api, body, status, code):
    # Given a delivered order that captured 28.70
    order = captured_order()
    for line in body.get("lines", []):
        if line["line_id"] == "LINE":
            line["line_id"] = order.lines.get().pk
    before = row_counts()

    # When staff ask for the refund
    response = staff_api.post(_url(order), body, format="json")

    # Then the status and code say why, and nothing was written
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert row_counts() == before
    assert Refund.objects.count() == 0


def test_an_order_never_captured_is_409_not_captured(staff_api):
    # Given an authorized order, not captured / When staff refund / Then 409 not_captured
    order = captured_order(status="authorized", capture=False)
    response = staff_api.post(_url(order), {"amount": "1.00", "reason": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "not_captured")


def test_customers_get_403_on_their_own_order_and_404_on_anyone_elses():
    # Given a customer's delivered order and another customer's
    ada = UserFactory(email="ada-refunds@example.com")
    own = captured_order(user=ada)
    other = captured_order(user=UserFactory(email="bob-refunds@example.com"))
    client = APIClient()
    client.force_authenticate(ada)

    # When the customer lists or asks for refunds
    # Then their own order is 403 (not allowed), another's is 404 (not theirs), nothing made
    assert client.get(_url(own)).status_code == 403
    assert (
        client.post(_url(own), {"amount": "1.00", "reason": "x"}, format="json").json()["code"]
        == "permission_denied"
    )
    assert client.get(_url(other)).status_code == 404
    assert (
        client.post(_url(other), {"amount": "1.00", "reason": "x"}, format="json").status_code
        == 404
    )
    assert APIClient().get(_url(own)).status_code == 404
    assert Refund.objects.count() == 0


def test_unknown_order_is_404_for_staff(staff_api):
    # Given no such order / When staff ask / Then 404
    assert staff_api.get("/api/orders/NOPE123/refunds/").status_code == 404
