"""Property-based fuzzing of the whole API schema with schemathesis, in-process over WSGI.

Every operation in ``/api/schema/`` gets generated requests (valid and invalid) from a token
user and from an anonymous caller; each answer must not be a 5xx and must match the schema
(documented status code, content type, body and headers). Bounded: a few examples per
operation, no shrinking, a fixed seed, no example database, so the run is fast and repeatable.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from decimal import Decimal

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shop.wsgi import application
from tests.factories import (
    CartFactory,
    CartItemFactory,
    CategoryFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    UserFactory,
    set_stock,
)

# Examples per operation and caller; raise it for a deeper run: API_FUZZ_EXAMPLES=200 pytest ...
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261125,
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "no-shrink": True,
            "deterministic": True,
            "database": "none",
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": False},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
    }
)


def _load_schema():
    """The schema ``/api/schema/`` serves, generated in-process (no database needed), with
    requests going to the WSGI app."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    document = json.loads(OpenApiJsonRenderer().render(generated))
    loaded = schemathesis.openapi.from_dict(document, config=CONFIG)
    loaded.app = application
    return loaded


schema = _load_schema()


@pytest.fixture
def shop(db) -> Iterator[None]:
    """A small shop behind the API. Like Django's test client, keep the test's database
    connection open across requests (the WSGI handler would close it: it is inside the test
    transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    teapots = CategoryFactory(name="Teapots", slug="teapots")
    for i in range(3):
        ProductFactory(name=f"Teapot {i}", slug=f"teapot-{i}", category=teapots)
    set_stock(ProductFactory(name="Last Cup", slug="last-cup", category=teapots), 1)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token_header(db) -> dict[str, str]:
    """A shopper with a cart and an order, calling with their token."""
    user = UserFactory(email="fuzz@example.com")
    CartItemFactory(cart=CartFactory(user=user), product=ProductFactory(price=Decimal("3.00")))
    OrderLineFactory(order=OrderFactory(number="F0000001", user=user))
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}


# The shop fixtures are set up once per operation, not per example: intended (read-mostly data).
FIXTURES_OK = hypothesis.settings(
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture]
)


@schema.parametrize()
@FIXTURES_OK
def test_api_conforms_to_its_schema_as_a_token_user(case, shop, token_header):
    # given a token user and a generated request for this operation
    # when it is sent to the WSGI app
    # then the answer is never a 5xx and matches the schema
    case.call_and_validate(headers=token_header, checks=CHECKS)


@schema.parametrize()
@FIXTURES_OK
def test_api_conforms_to_its_schema_anonymously(case, shop):
    # given an anonymous caller and a generated request for this operation
    # when it is sent to the WSGI app
    # then the answer is never a 5xx and matches the schema
    case.call_and_validate(checks=CHECKS)
