"""Carrier webhook: signature, validation and error answers (Temporal down, the test default).

The end-to-end path through a real workflow is in ``test_webhook_workflow.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from orders.models import Order, OrderEvent, Shipment
from tests.factories import ShipmentFactory

pytestmark = pytest.mark.django_db

URL = "/webhooks/carrier/"
SECRET = "test-carrier-secret"


SENT_AT = {"now": 0}  # the test's "now", in whole seconds, as a carrier stamps it


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.CARRIER_WEBHOOK_SECRET = SECRET
    SENT_AT["now"] = int(time.time())


def signature(body: bytes, secret: str = SECRET, sent_at: int | None = None) -> str:
    """What the carrier signs: ``<timestamp>.<body>`` (computed here, not by the shop's code)."""
    stamp = SENT_AT["now"] if sent_at is None else sent_at
    return hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()


def post(client, body: bytes, sig: str | None = "auto", sent_at: int | None = None):
    headers = {"X-Carrier-Timestamp": str(SENT_AT["now"] if sent_at is None else sent_at)}
    if sig == "auto":
        headers["X-Carrier-Signature"] = signature(body, sent_at=sent_at)
    elif sig is not None:
        headers["X-Carrier-Signature"] = sig
    return client.post(URL, data=body, content_type="application/json", headers=headers)


def snapshot() -> tuple:
    return (
        list(Order.objects.values_list("number", "status").order_by("pk")),
        OrderEvent.objects.count(),
        list(Shipment.objects.values_list("tracking_number", "status").order_by("pk")),
    )


@pytest.fixture
def shipment():
    return ShipmentFactory(tracking_number="TRK000000001", order__number="W0000001")


def body_for(**fields) -> bytes:
    return json.dumps({"tracking_number": "TRK000000001", "status": "delivered", **fields}).encode()


@pytest.mark.parametrize(
    "make_sig",
    [
        pytest.param(lambda body: None, id="missing"),
        pytest.param(lambda body: "", id="empty"),
        pytest.param(lambda body: "deadbeef", id="garbage"),
        pytest.param(lambda body: signature(b"something else"), id="signature-of-another-body"),
        pytest.param(lambda body: signature(body, secret="wrong"), id="wrong-secret"),
        pytest.param(lambda body: signature(body) + "00", id="too-long"),
        pytest.param(
            lambda body: hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
            id="body-only-old-scheme",
        ),
        pytest.param(lambda body: signature(body, sent_at=SENT_AT["now"] - 1), id="other-time"),
    ],
)
def test_bad_signature_is_401_and_touches_nothing(client, shipment, make_sig):
    # given a delivered event whose signature is wrong or missing
    body = body_for(event_id="e-1")
    before = snapshot()

    # when the carrier posts it
    response = post(client, body, make_sig(body))

    # then it is refused as unauthenticated with a JSON error, nothing changed
    assert response.status_code == 401
    assert response.json() == {
        "code": "bad_signature",
        "detail": "Missing or invalid X-Carrier-Signature or X-Carrier-Timestamp header.",
    }
    assert snapshot() == before


@pytest.mark.parametrize("age", [301, 3600, 365 * 86400, -301])
def test_a_correctly_signed_event_older_than_5_minutes_is_refused(client, shipment, age):
    # given a delivered event correctly signed when it was sent, `age` seconds ago (or ahead)
    body = body_for(event_id="e-old")
    sent_at = SENT_AT["now"] - age
    before = snapshot()

    # when it is posted (replayed) now
    response = post(client, body, sent_at=sent_at)

    # then it is refused as stale, nothing changed
    assert response.status_code == 401
    assert response.json() == {
        "code": "stale_timestamp",
        "detail": "X-Carrier-Timestamp is more than 300 seconds from now: send events when "
        "they happen, and sign each attempt anew.",
    }
    assert snapshot() == before


def test_a_signed_body_with_a_5000_digit_integer_is_a_400(client, shipment):
    # given a correctly signed body holding an integer too long for Python to convert
    body = b'{"tracking_number": "TRK000000001", "status": "delivered", "n": ' + b"9" * 5000 + b"}"

    # when it is posted
    response = post(client, body)

    # then it is refused as malformed, not a server error
    assert response.status_code == 400
    assert response.json() == {"code": "bad_request", "detail": "The body is not valid JSON."}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        pytest.param(b"{not json", "The body is not valid JSON.", id="malformed-json"),
        pytest.param(b"\xff\xfe", "The body is not valid JSON.", id="not-utf8"),
        pytest.param(b"[1, 2]", "The body must be a JSON object.", id="array"),
        pytest.param(b"[" * 10_000 + b"]" * 10_000, "The body is not valid JSON.", id="too-deep"),
        pytest.param(
            b'{"status": "delivered"}',
            "Missing required field(s): tracking_number.",
            id="no-tracking-number",
        ),
        pytest.param(b"{}", "Missing required field(s): tracking_number, status.", id="empty"),
        pytest.param(
            b'{"tracking_number": 7, "status": "delivered"}',
            "'tracking_number' must be a string.",
            id="number-not-string",
        ),
        pytest.param(
            b'{"tracking_number": "TRK000000001", "status": "lost"}',
            "Unknown status 'lost'; expected one of: in_transit, delivered, exception.",
            id="bad-status",
        ),
    ],
)
def test_malformed_body_is_400_and_touches_nothing(client, shipment, body, detail):
    # given a correctly signed but malformed body
    before = snapshot()

    # when the carrier posts it
    response = post(client, body)

    # then it is a 400 naming the problem, nothing changed
    assert response.status_code == 400
    assert response.json() == {"code": "bad_request", "detail": detail}
    assert snapshot() == before


def test_body_over_64_kb_is_400(client, shipment):
    # given a signed body of 65 KB
    body = body_for(note="x" * (65 * 1024))
    before = snapshot()

    # when posted
    response = post(client, body)

    # then it is refused before anything else
    assert response.status_code == 400
    assert response.json()["code"] == "too_large"
    assert snapshot() == before


def test_unknown_tracking_number_is_404(client, shipment):
    # given a signed event for a parcel we never shipped
    body = json.dumps({"tracking_number": "NOPE123", "status": "delivered"}).encode()
    before = snapshot()

    # when posted
    response = post(client, body)

    # then it is not found, nothing changed
    assert response.status_code == 404
    assert response.json() == {
        "code": "unknown_tracking_number",
        "detail": "No shipment has tracking number 'NOPE123'.",
    }
    assert snapshot() == before


def test_good_signature_with_temporal_down_is_503_so_the_carrier_retries(client, shipment):
    # given a good event while Temporal is unreachable (the default in tests)
    before = snapshot()

    # when posted
    response = post(client, body_for(event_id="e-2"))

    # then the carrier is told to retry, nothing changed
    assert response.status_code == 503
    assert response.json() == {
        "code": "temporal_unavailable",
        "detail": "The order system is unreachable; retry later.",
    }
    assert snapshot() == before


def test_event_for_a_finished_order_is_acknowledged_and_ignored(client):
    # given an order that completed already (its workflow is gone)
    ShipmentFactory(
        tracking_number="TRK000000009", order__number="W0000009", order__status="completed"
    )
    body = json.dumps(
        {"tracking_number": "TRK000000009", "status": "delivered", "event_id": "e-9"}
    ).encode()
    before = snapshot()

    # when the carrier sends (or repeats) a delivered event, with a "sha256=" prefix
    first = post(client, body, "sha256=" + signature(body))
    second = post(client, body)

    # then both are accepted and nothing changed
    assert (first.status_code, second.status_code) == (202, 202)
    assert second.json() == {
        "code": "accepted",
        "detail": "Order W0000009 is already completed; event 'delivered' ignored.",
        "order": "W0000009",
        "order_status": "completed",
    }
    assert snapshot() == before


def test_get_is_not_allowed(client):
    # given / when a GET reaches the webhook
    response = client.get(URL)

    # then it is refused in JSON, like every other answer of the webhook
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json() == {
        "code": "method_not_allowed",
        "detail": "Send carrier events with POST.",
    }


def test_unconfigured_secret_refuses_everything(client, shipment, settings):
    # given no secret configured
    settings.CARRIER_WEBHOOK_SECRET = ""
    body = body_for()

    # when an event signed with the empty key arrives
    response = post(client, body, signature(body, secret=""))

    # then nothing is accepted
    assert response.status_code == 503
    assert response.json()["code"] == "not_configured"


def test_nul_byte_in_tracking_number_is_unknown(client, shipment):
    # given a signed event whose tracking number holds a NUL byte (PostgreSQL can't compare it)
    body = json.dumps({"tracking_number": "TRK\x00", "status": "delivered"}).encode()

    # when posted
    response = post(client, body)

    # then it is simply unknown
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_tracking_number"
