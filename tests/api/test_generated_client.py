"""A shopper's journey through a client generated from /api/schema/ with openapi-python-client,
against a live server and the real order worker on the Temporal dev server. Only the generated
client talks to the server: if the journey needed a hand-written request, or generation warned,
the schema would not be good enough for generated clients."""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.factories import CategoryFactory, ProductFactory, set_stock

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]

PACKAGE = "shop_api_client"
GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"


@pytest.fixture
def generated(live_server, tmp_path: Path) -> Iterator[Callable[[str], ModuleType]]:
    """Generate the client from the live server's schema into a temp dir; the fixture gives
    ``module("api.cart.cart_retrieve")`` of the generated package."""
    schema = tmp_path / "schema.json"
    schema.write_bytes(httpx.get(f"{live_server.url}/api/schema/?format=json").content)
    config = tmp_path / "config.yaml"
    # No formatter run (nothing outside the venv); PDFs (the invoice) come back as bytes.
    config.write_text(
        "post_hooks: []\ncontent_type_overrides:\n  application/pdf: application/octet-stream\n"
    )
    generator = Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run(
        [str(generator), "generate", "--path", str(schema), "--meta", "none"]
        + ["--config", str(config), "--output-path", str(tmp_path / PACKAGE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(tmp_path))
    try:
        yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _call(module: ModuleType, expected: int, **kwargs: Any) -> Any:
    """One generated operation; the answer must be the documented ``expected`` status."""
    response = module.sync_detailed(**kwargs)
    assert response.status_code == expected, response.content
    return response


def _poll(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)
    return value


def test_shopper_journey_with_the_generated_client(
    generated, live_server, order_worker, shopper, settings
):
    # given a shop with two teapots on sale, and a client generated from the schema
    teapots = CategoryFactory(name="Teapots", slug="teapots")
    blue = set_stock(ProductFactory(name="Blue Teapot", category=teapots, price=Decimal("20")), 9)
    red = set_stock(ProductFactory(name="Red Teapot", category=teapots, price=Decimal("30")), 9)
    models = generated("models")
    client_module = generated("client")
    anonymous = client_module.Client(base_url=live_server.url, raise_on_unexpected_status=True)

    # when the shopper gets a token with the generated client
    token = _call(
        generated("api.auth.auth_token_create"),
        200,
        client=anonymous,
        body=models.CredentialsRequest(email="ada@example.com", password="correct-horse-battery"),
    ).parsed.token
    client = client_module.AuthenticatedClient(
        base_url=live_server.url, token=token, raise_on_unexpected_status=True
    )

    # and searches, fills the cart, changes a line and removes another
    found = _call(generated("api.products.products_list"), 200, client=client, search="Teapot")
    assert sorted(p.name for p in found.parsed.results) == ["Blue Teapot", "Red Teapot"]
    add = generated("api.cart.cart_items_create")
    _call(add, 201, client=client, body=models.AddItemRequest(product_id=blue.pk, quantity=1))
    _call(add, 201, client=client, body=models.AddItemRequest(product_id=red.pk, quantity=1))
    changed = _call(
        generated("api.cart.cart_items_partial_update"),
        200,
        client=client,
        product_id=blue.pk,
        body=models.CartItemsPartialUpdateBody(quantity=2),
    ).parsed
    cart = _call(
        generated("api.cart.cart_items_destroy"), 200, client=client, product_id=red.pk
    ).parsed
    assert changed.item_count == 3
    assert [(line.product.name, line.quantity) for line in cart.lines] == [("Blue Teapot", 2)]

    # and checks out with an Idempotency-Key
    checkout = generated("api.checkout.checkout_create")
    body = _checkout_body(models, GOOD_CARD)
    placed = _call(checkout, 201, client=client, body=body, idempotency_key=str(uuid.uuid4()))
    order = placed.parsed
    assert placed.headers["location"] == f"/api/orders/{order.number}/"
    assert order.payment.status.value == "authorized"

    # then polling the order shows it shipped
    retrieve = generated("api.orders.orders_retrieve")
    _poll(
        lambda: (
            _call(retrieve, 200, client=client, number=order.number).parsed.status.value
            == "shipped"
        )
    )

    # when a second order is placed with a declined card, then cancelled
    _call(add, 201, client=client, body=models.AddItemRequest(product_id=red.pk, quantity=1))
    waiting = _call(
        checkout,
        201,
        client=client,
        body=_checkout_body(models, DECLINED_CARD),
        idempotency_key=str(uuid.uuid4()),
    ).parsed
    cancel = generated("api.orders.orders_cancel_create")
    cancelled = _call(
        cancel,
        200,
        client=client,
        number=waiting.number,
        body=models.CancelRequest(reason="Changed my mind"),
    ).parsed
    refused = _call(cancel, 409, client=client, number=order.number, body=models.CancelRequest())

    # then the waiting order is cancelled, the shipped one refused with its reason
    assert waiting.payment.status.value == "declined"
    assert (cancelled.cancelled, cancelled.order.status.value) == (True, "cancelled")
    assert (refused.parsed.code.value, refused.parsed.detail) == (
        "cancel_refused",
        f"Order {order.number} can no longer be cancelled: it is shipped.",
    )

    # and the shipped order's events tell its story
    events = _call(retrieve, 200, client=client, number=order.number).parsed.events
    kinds = [event.kind.value for event in events]
    assert kinds[0] == "placed"
    assert "payment_authorized" in kinds and "shipped" in kinds


def _checkout_body(models: ModuleType, card: str) -> Any:
    return models.CheckoutRequest(
        shipping_address=models.ShippingAddressRequest(
            full_name="Ada Lovelace",
            line1="1 Analytical St",
            city="London",
            postal_code="N1 9GU",
            country="GB",
        ),
        shipping_method=models.ShippingMethodEnum.STANDARD,
        card=models.CardRequest(number=card, exp_month=12, exp_year=2099, cvc="123"),
    )
