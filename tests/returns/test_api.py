"""``/api/orders/<n>/returns/``: asking for a return, listing and reading returns; the caller's
own orders only."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from orders.links import order_access_token
from returns.models import ReturnRequest
from tests.factories import UserFactory
from tests.returns.factories import delivered_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shopper):
    return delivered_order(user=shopper, quantities=(2, 1))


def _body(order, *quantities, reason="Too small"):
    lines = order.lines.order_by("pk")
    return {
        "lines": [{"sku": line.sku, "quantity": q} for line, q in zip(lines, quantities)],
        "reason": reason,
    }


def test_the_owner_returns_items_and_gets_the_return_back(shopper_api, order):
    # Given a delivered order of the shopper (2 + 1 units)
    first = order.lines.order_by("pk").first()

    # When they ask for a return of 1 unit of the first line
    response = shopper_api.post(
        f"/api/orders/{order.number}/returns/", _body(order, 1, 0), format="json"
    )

    # Then 201 with the return: number, status, tracking number, instructions, lines by SKU
    assert response.status_code == 201, response.json()
    data = response.json()
    ret = ReturnRequest.objects.get()
    assert response["Location"] == f"/api/orders/{order.number}/returns/{ret.number}/"
    assert {k: data[k] for k in ("number", "order", "status", "reason", "tracking_number")} == {
        "number": f"{order.number}-RT1",
        "order": order.number,
        "status": "requested",
        "reason": "Too small",
        "tracking_number": ret.tracking_number,
    }
    assert data["lines"] == [{"sku": first.sku, "name": first.name, "quantity": 1, "condition": ""}]
    assert ret.tracking_number in data["instructions"]
    assert data["progress"] is None and data["refund_number"] == ""
    assert ret.requested_by == "ada@example.com"

    # And the list and the detail show it
    listed = shopper_api.get(f"/api/orders/{order.number}/returns/")
    assert listed.status_code == 200
    assert [r["number"] for r in listed.json()] == [ret.number]
    detail = shopper_api.get(f"/api/orders/{order.number}/returns/{ret.number}/")
    assert detail.status_code == 200
    assert detail.json()["number"] == ret.number


@pytest.mark.parametrize(
    ("quantities", "status", "code"),
    [
        ((3, 0), 422, "too_many"),
        ((0, 0), 422, "nothing_selected"),
    ],
)
def test_bad_quantities_answer_422_with_a_code_and_save_nothing(
    shopper_api, order, quantities, status, code
):
    # Given a delivered order / When too much or nothing is asked for
    response = shopper_api.post(
        f"/api/orders/{order.number}/returns/", _body(order, *quantities), format="json"
    )
    # Then the answer says why, and nothing is saved
    assert response.status_code == status
    assert response.json()["code"] == code
    assert ReturnRequest.objects.count() == 0


def test_units_already_in_a_return_answer_409(shopper_api, order):
    # Given a return of both units of the first line
    url = f"/api/orders/{order.number}/returns/"
    assert shopper_api.post(url, _body(order, 2, 0), format="json").status_code == 201

    # When one more is asked for / Then 409 already_returned
    response = shopper_api.post(url, _body(order, 1, 0), format="json")
    assert (response.status_code, response.json()["code"]) == (409, "already_returned")
    assert ReturnRequest.objects.count() == 1


def test_outside_the_window_answers_409(shopper, shopper_api):
    # Given an order delivered 40 days ago
    order = delivered_order(user=shopper, days_ago=40)
    # When / Then
    response = shopper_api.post(
        f"/api/orders/{order.number}/returns/", _body(order, 1), format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "outside_window")


def test_an_unknown_sku_answers_422(shopper_api, order):
    # Given / When a line the order doesn't have is named
    body = {"lines": [{"sku": "NOPE", "quantity": 1}], "reason": "x"}
    response = shopper_api.post(f"/api/orders/{order.number}/returns/", body, format="json")
    # Then
    assert (response.status_code, response.json()["code"]) == (422, "unknown_line")


def test_a_missing_reason_is_a_validation_error(shopper_api, order):
    # Given / When the reason is left out / Then 400 invalid naming the field
    body = {"lines": [{"sku": order.lines.first().sku, "quantity": 1}]}
    response = shopper_api.post(f"/api/orders/{order.number}/returns/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "reason" in response.json()["errors"]


def test_another_customers_order_is_a_404(order):
    # Given another customer with a token
    other = APIClient()
    other.force_authenticate(UserFactory(email="eve@example.com"))

    # When they try to return items of the order, or list or read its returns
    post = other.post(f"/api/orders/{order.number}/returns/", _body(order, 1, 0), format="json")
    listed = other.get(f"/api/orders/{order.number}/returns/")

    # Then 404 (not 403: the order's existence is not revealed), nothing saved
    assert (post.status_code, post.json()["code"]) == (404, "not_found")
    assert listed.status_code == 404
    assert ReturnRequest.objects.count() == 0


def test_a_guest_session_that_opened_the_signed_link_may_return(client):
    # Given a guest's delivered order, opened in this browser by its signed link
    order = delivered_order(quantities=(1,))
    token = order_access_token(order.number, order.link_version)
    assert client.get(f"/orders/{order.number}/?t={token}").status_code == 302

    # When the session asks the API for a return
    body = _body(order, 1)
    response = client.post(
        f"/api/orders/{order.number}/returns/", body, content_type="application/json"
    )

    # Then it is saved
    assert response.status_code == 201, response.json()
    assert ReturnRequest.objects.get().number == f"{order.number}-RT1"


def test_an_anonymous_caller_gets_a_404(api):
    # Given a guest's delivered order and a session that never saw it
    order = delivered_order()
    # When / Then
    assert api.get(f"/api/orders/{order.number}/returns/").status_code == 404


def test_the_schema_documents_the_endpoints_with_enums_and_codes(api):
    # Given / When the schema is fetched
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    # Then both paths are there, the status is a named enum, the refusal codes are listed
    post = schema["paths"]["/api/orders/{number}/returns/"]["post"]
    assert "/api/orders/{number}/returns/{return_number}/" in schema["paths"]
    components = schema["components"]["schemas"]
    assert components["ReturnStatusEnum"]["enum"] == [
        "requested",
        "approved",
        "rejected",
        "in_transit",
        "received",
        "refunded",
        "refund_failed",
        "expired",
    ]
    conflict = post["responses"]["409"]["content"]["application/json"]["schema"]
    assert {"already_returned", "not_delivered", "outside_window"} <= set(
        conflict["properties"]["code"]["enum"]
    )
    invalid = post["responses"]["422"]["content"]["application/json"]["schema"]
    assert {"too_many", "nothing_selected", "unknown_line"} <= set(
        invalid["properties"]["code"]["enum"]
    )
