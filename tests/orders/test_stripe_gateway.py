"""StripeGateway against localstripe, a fake Stripe API server, run here as a subprocess.

localstripe's CLI binds every interface (``::``) and has no host option, so this module starts
its aiohttp app itself on 127.0.0.1 (``python -m tests.orders.test_stripe_gateway``; see
``serve``). There it also fills two gaps of localstripe 1.15.10 the way Stripe behaves, so the
gateway is tested against Stripe's behaviour rather than the fake's, and stops one habit:

- it ignores ``Idempotency-Key``: ``replay_idempotent`` replays the first answer to a key and
  refuses the key with other parameters (an ``idempotency_error``), as Stripe does;
- it refunds more than was captured: ``refuse_over_refunds`` answers 400 on ``amount``;
- it pickles its store to /tmp/localstripe.pickle on every write (one file for every run on
  the machine): switched off.

Other things localstripe does not do: it captures a canceled PaymentIntent's charge (the intent
stays ``canceled``: the gateway checks the status it gets back) and declines 4000000000009995
only when the card is attached to a customer, never as ``insufficient_funds``. No test needs
the database.
"""

from __future__ import annotations

import importlib.util
import select
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import stripe

from orders.payments import get_gateway
from orders.payments.base import (
    CardInvalid,
    PaymentDeclined,
    PaymentError,
    TransientPaymentError,
)
from orders.payments.stripe import StripeGateway, stripe_errors

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("localstripe") is None,
    reason="localstripe is not installed (it comes with the dev extra: pip install -e '.[dev]')",
)

API_KEY = "sk_test_12345"
REPO = Path(__file__).resolve().parents[2]
EUR = "EUR"


# --- the server ------------------------------------------------------------------------------


def replay_idempotent() -> Any:
    """An aiohttp middleware: a POST with a key already seen gets the first answer again (if
    the request is the same) or a 400 ``idempotency_error`` (if it is not)."""
    from aiohttp import web

    first: dict[str, tuple[tuple[str, bytes], int, bytes]] = {}

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        sent = (request.path, await request.read())
        if key in first:
            seen, status, body = first[key]
            if seen != sent:
                error = {"type": "idempotency_error", "message": "Keys for idempotent requests"}
                return web.json_response({"error": error}, status=400)
            headers = {"Idempotent-Replayed": "true"}
            return web.Response(
                body=body, status=status, content_type="application/json", headers=headers
            )
        response = await handler(request)
        first[key] = (sent, response.status, response.body)
        return response

    return middleware


def refuse_over_refunds() -> None:
    """Make localstripe refuse a refund larger than what is left of the capture."""
    from localstripe.errors import UserError
    from localstripe.resources import PaymentIntent, Refund

    create = Refund._api_create

    def checked(cls: type, **data: Any) -> Any:
        intent = PaymentIntent._api_retrieve(data.get("payment_intent") or "")
        charge = intent.latest_charge
        if charge is not None and data.get("amount") is not None:
            left = charge.amount - charge.amount_refunded
            if int(data["amount"]) > left:
                raise UserError(
                    400,
                    f"Refund amount ({data['amount']}) is greater than unrefunded amount on "
                    f"charge ({left})",
                    {"param": "amount"},
                )
        return create(**data)

    Refund._api_create = classmethod(checked)


def serve() -> None:
    """Run localstripe on 127.0.0.1 on a free port and print the port (the subprocess)."""
    from aiohttp import web
    from localstripe import resources, server

    resources.Store.dump_to_disk = lambda self: None
    refuse_over_refunds()
    server.app.middlewares.insert(0, replay_idempotent())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    web.run_app(server.app, sock=sock, print=None, access_log=None)


@pytest.fixture(scope="module")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a localstripe of this module's own, stopped at the end."""
    log = (tmp_path_factory.mktemp("localstripe") / "stderr.log").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.orders.test_stripe_gateway"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        port = proc.stdout.readline().strip() if ready else ""
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                # The Stripe.js route needs no key: a 200 means the server answers.
                urllib.request.urlopen(f"{base}/js.stripe.com/v3/", timeout=1).close()
                break
            except (OSError, ValueError):
                if proc.poll() is not None or time.monotonic() > deadline or not port:
                    log.seek(0)
                    pytest.fail(f"localstripe did not start:\n{log.read()}")
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        log.close()


@pytest.fixture
def gateway(localstripe: str) -> StripeGateway:
    return StripeGateway(api_key=API_KEY, api_base=localstripe, timeout=5)


@pytest.fixture
def visa(gateway: StripeGateway) -> str:
    return gateway.tokenize("4242424242424242", 12, 2030, "123").token


def intent_at_stripe(gateway: StripeGateway, reference: str) -> stripe.PaymentIntent:
    return gateway.client.v1.payment_intents.retrieve(reference)


def captured_cents(gateway: StripeGateway, reference: str) -> int:
    """What the intent's charge holds: localstripe refunds the uncaptured part of a capture."""
    charge = intent_at_stripe(gateway, reference).latest_charge  # localstripe expands it
    if isinstance(charge, str):
        charge = gateway.client.v1.charges.retrieve(charge)
    return charge.amount - charge.amount_refunded


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the tests -------------------------------------------------------------------------------


def test_tokenize_returns_a_payment_method_with_brand_and_last4(gateway):
    # Given Stripe's success test card
    # When it is tokenized
    token = gateway.tokenize("4242 4242 4242 4242", 12, 2030, "123")
    # Then the token is a PaymentMethod id with the card's display data
    assert token.token.startswith("pm_")
    assert (token.brand, token.last4) == ("visa", "4242")


def test_tokenize_refuses_a_bad_number_as_card_invalid(gateway):
    # Given a card number too short to be one
    # When it is tokenized, then the checkout form gets a CardInvalid for the number field
    with pytest.raises(CardInvalid) as info:
        gateway.tokenize("4242", 12, 2030, "123")
    assert info.value.code == "invalid_number"


def test_tokenize_refuses_a_live_key():
    # Given a live key: card numbers must not go through our server
    gateway = StripeGateway(api_key="sk_live_12345", api_base="http://127.0.0.1:1")
    # When a card is tokenized, then it is refused before any request
    with pytest.raises(PaymentError) as info:
        gateway.tokenize("4242424242424242", 12, 2030, "123")
    assert info.value.code == "test_mode_only"


def test_authorize_then_capture_the_full_amount(gateway, visa):
    # Given an authorization of 20.00 EUR
    auth = gateway.authorize(visa, Decimal("20.00"), EUR, "order-1-authorize")
    assert auth.reference.startswith("pi_")
    assert intent_at_stripe(gateway, auth.reference).status == "requires_capture"
    # When all of it is captured
    result = gateway.capture(auth.reference, Decimal("20.00"), EUR, "order-1-capture")
    # Then the intent has succeeded with 2000 cents taken
    assert (result.reference, result.status) == (auth.reference, "succeeded")
    intent = intent_at_stripe(gateway, auth.reference)
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 2000, "eur")
    assert captured_cents(gateway, auth.reference) == 2000


def test_authorize_then_capture_part(gateway, visa):
    # Given an authorization of 20.00 EUR
    auth = gateway.authorize(visa, Decimal("20.00"), EUR, "order-2-authorize")
    # When 12.50 is captured (a line was out of stock)
    gateway.capture(auth.reference, Decimal("12.50"), EUR, "order-2-capture")
    # Then only 1250 cents are taken
    assert intent_at_stripe(gateway, auth.reference).status == "succeeded"
    assert captured_cents(gateway, auth.reference) == 1250


def test_void_then_capture_is_refused(gateway, visa):
    # Given an authorization
    auth = gateway.authorize(visa, Decimal("20.00"), EUR, "order-3-authorize")
    # When it is voided
    result = gateway.void(auth.reference, "order-3-void")
    # Then the intent is canceled
    assert result == type(result)(reference=auth.reference, status="succeeded")
    assert intent_at_stripe(gateway, auth.reference).status == "canceled"
    # And a capture after the void is refused
    with pytest.raises(PaymentError) as info:
        gateway.capture(auth.reference, Decimal("20.00"), EUR, "order-3-capture")
    assert not isinstance(info.value, TransientPaymentError)
    assert info.value.code == "authorization_voided"


def test_a_declined_card_raises_payment_declined(gateway):
    # Given the card localstripe declines when it is charged (it tokenizes fine)
    token = gateway.tokenize("4000000000000341", 12, 2030, "123").token
    # When it is authorized, then the decline is final
    with pytest.raises(PaymentDeclined) as info:
        gateway.authorize(token, Decimal("20.00"), EUR, "order-4-authorize")
    assert info.value.code == "card_declined"
    assert info.value.retryable is False


def test_a_card_that_needs_3d_secure_is_not_authorized(gateway):
    # Given Stripe's "authentication required" test card
    token = gateway.tokenize("4000002500003155", 12, 2030, "123").token
    # When it is authorized server-side, the intent waits for the cardholder (requires_action)
    with pytest.raises(PaymentDeclined) as info:
        gateway.authorize(token, Decimal("20.00"), EUR, "order-11-authorize")
    # Then no hold is reported as succeeded: the decline says why
    assert info.value.code == "authentication_required"


def test_the_insufficient_funds_card_raises_insufficient_funds(gateway):
    # Given Stripe's insufficient-funds test card
    token = gateway.tokenize("4000000000009995", 12, 2030, "123").token
    # When it is authorized
    try:
        gateway.authorize(token, Decimal("20.00"), EUR, "order-5-authorize")
    except PaymentDeclined as exc:
        # Then the decline says why
        assert exc.code == "insufficient_funds"
    else:
        pytest.skip("localstripe declines 4000000000009995 only when attached to a customer")


def test_stripe_insufficient_funds_decline_code_maps_to_insufficient_funds():
    # Given the error body Stripe sends for 4000000000009995 (code + decline_code)
    body = {
        "error": {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "insufficient_funds",
            "message": "Your card has insufficient funds.",
        }
    }
    error = stripe.CardError(
        body["error"]["message"], None, "card_declined", http_status=402, json_body=body
    )
    # When the gateway translates it, then it is a final insufficient_funds decline
    with pytest.raises(PaymentDeclined) as info, stripe_errors():
        raise error
    assert (info.value.code, info.value.message) == (
        "insufficient_funds",
        "Your card has insufficient funds.",
    )


def test_partial_refunds_up_to_the_captured_amount(gateway, visa):
    # Given a captured payment of 20.00 EUR
    auth = gateway.authorize(visa, Decimal("20.00"), EUR, "order-6-authorize")
    gateway.capture(auth.reference, Decimal("20.00"), EUR, "order-6-capture")
    # When 5.00 and then 7.50 are refunded
    first = gateway.refund(auth.reference, Decimal("5.00"), EUR, "order-6-refund-1")
    second = gateway.refund(auth.reference, Decimal("7.50"), EUR, "order-6-refund-2")
    # Then both are separate refunds and 7.50 is left
    assert first.reference.startswith("re_") and second.reference.startswith("re_")
    assert first.reference != second.reference
    assert captured_cents(gateway, auth.reference) == 750
    # And refunding more than is left is refused
    with pytest.raises(PaymentError) as info:
        gateway.refund(auth.reference, Decimal("7.51"), EUR, "order-6-refund-3")
    assert info.value.code == "amount_too_large"
    assert captured_cents(gateway, auth.reference) == 750


def test_charge_captures_at_once(gateway, visa):
    # Given a card, when it is charged 9.99 EUR
    result = gateway.charge(visa, Decimal("9.99"), EUR, "order-7-charge")
    # Then the intent has succeeded without a separate capture
    intent = intent_at_stripe(gateway, result.reference)
    assert (intent.status, intent.amount) == ("succeeded", 999)


def test_the_same_idempotency_key_returns_the_same_authorization(gateway, visa):
    # localstripe ignores Idempotency-Key; this module's server replays as Stripe does, so
    # this checks that the gateway sends the caller's key on the call.
    # Given an authorization made with a key
    first = gateway.authorize(visa, Decimal("20.00"), EUR, "order-8-authorize")
    # When the same call is repeated with the same key (a workflow retry)
    again = gateway.authorize(visa, Decimal("20.00"), EUR, "order-8-authorize")
    # Then it is the same PaymentIntent
    assert again.reference == first.reference
    # And the key with another amount is refused, not a second authorization
    with pytest.raises(PaymentError) as info:
        gateway.authorize(visa, Decimal("25.00"), EUR, "order-8-authorize")
    assert info.value.code == "idempotency_mismatch"


def test_a_closed_port_is_a_transient_error():
    # Given a gateway pointed at a port nobody listens on
    gateway = StripeGateway(
        api_key=API_KEY, api_base=f"http://127.0.0.1:{closed_port()}", timeout=2
    )
    # When it authorizes
    started = time.monotonic()
    with pytest.raises(TransientPaymentError) as info:
        gateway.authorize("pm_card_visa", Decimal("20.00"), EUR, "order-9-authorize")
    # Then it fails at once with a retryable error
    assert time.monotonic() - started < 2
    assert (info.value.code, info.value.retryable) == ("processing_error", True)


def test_a_server_that_never_answers_times_out_as_transient():
    # Given a server that accepts connections and never answers
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        gateway = StripeGateway(api_key=API_KEY, api_base=base, timeout=0.5)
        # When the gateway authorizes
        started = time.monotonic()
        with pytest.raises(TransientPaymentError):
            gateway.authorize("pm_card_visa", Decimal("20.00"), EUR, "order-10-authorize")
        # Then it gives up after the timeout, without retrying
        assert 0.5 <= time.monotonic() - started < 1.5


def test_get_gateway_builds_it_from_settings(settings, localstripe):
    # Given the settings of a Stripe deployment
    settings.PAYMENT_GATEWAY = "orders.payments.stripe.StripeGateway"
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_TIMEOUT_SECONDS = 3
    # When the shop asks for its gateway
    gateway = get_gateway()
    # Then it is Stripe's, and it works
    assert (gateway.name, gateway.timeout) == ("stripe", 3.0)
    assert gateway.tokenize("4242424242424242", 12, 2030, "123").last4 == "4242"


if __name__ == "__main__":
    serve()
