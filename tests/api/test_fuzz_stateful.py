"""Stateful schemathesis run: it follows the schema's OpenAPI links (order list -> order ->
cancel / pay, checkout -> order, cart add -> change / remove) against the WSGI app, with a
real order placed through the API and run by the real order worker on the Temporal dev
server. Bounded in examples and steps; every answer must not be a 5xx and must match the
schema, and the run must reach cancel on the real order."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import hypothesis
import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shop.wsgi import application
from tests.api.test_fuzz import CHECKS
from tests.factories import ProductFactory, set_stock

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]

CANCEL_PATH = "/api/orders/{number}/cancel/"
TIME_BUDGET_SECONDS = 120
# Valid requests only: the walk is about following an order's life (test_fuzz.py sends the
# invalid ones).
POSITIVE = schemathesis.Config.from_dict({"generation": {"mode": "positive"}})
RUN = hypothesis.settings(
    max_examples=25,
    stateful_step_count=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)


def _stateful_schema():
    """The served schema, minus the token endpoint (a generated DELETE would revoke the
    token the run calls with) and the after-delivery documents, refunds and returns (an order
    that was never delivered has none: their links only dilute the walk; test_fuzz.py sends
    them every kind of request)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    document = json.loads(OpenApiJsonRenderer().render(generated))
    loaded = (
        schemathesis.openapi.from_dict(document, config=POSITIVE)
        .exclude(path="/api/auth/token/")
        .exclude(path_regex=r"/(invoice|refunds|returns)/")
    )
    loaded.app = application
    return loaded


def _place_waiting_order(shopper, token: str) -> str:
    """A real order of the shopper, placed through the API with a declined card: the workflow
    holds its stock and waits for another card, so it can be cancelled."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    pot = set_stock(ProductFactory(name="Fuzz Teapot", price=Decimal("12.00")), 50)
    assert client.post("/api/cart/items/", {"product_id": pot.pk}, format="json").status_code == 201
    body = {
        "shipping_address": {
            "full_name": "Ada Lovelace",
            "line1": "1 Analytical St",
            "city": "London",
            "postal_code": "N1 9GU",
            "country": "GB",
        },
        "shipping_method": "standard",
        "card": {"number": "4000000000000002", "exp_month": 12, "exp_year": 2099, "cvc": "123"},
    }
    placed = client.post("/api/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY="fuzz-0001")
    assert (placed.status_code, placed.json()["payment"]["status"]) == (201, "declined")
    return placed.json()["number"]


def test_stateful_run_reaches_cancel_on_a_real_order(order_worker, shopper):
    # given a token shopper with a real order waiting for payment
    token = Token.objects.create(user=shopper).key
    number = _place_waiting_order(shopper, token)
    cancels: list[int] = []

    class Machine(_stateful_schema().as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Bearer {token}"}}

        def after_call(self, response, case):
            if case.operation.path == CANCEL_PATH and case.path_parameters == {"number": number}:
                cancels.append(response.status_code)

        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, checks=CHECKS)

    # when schemathesis walks the links for a bounded number of steps
    started = time.monotonic()
    Machine.run(settings=RUN)

    # then no answer broke the schema (run() raises otherwise), it stayed within its budget,
    # and it cancelled the real order (200, then 409 for every later try)
    assert time.monotonic() - started < TIME_BUDGET_SECONDS
    assert cancels, "the run never reached cancel on the real order"
    assert set(cancels) <= {200, 409}
    assert cancels.count(200) <= 1
