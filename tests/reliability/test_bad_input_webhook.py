"""Bad input catalogue, carrier webhook (``POST /webhooks/carrier/``).

Every rejected call gets a 4xx JSON ``{code, detail}`` that says what is wrong, and touches
nothing: no order event, no status change, no shipment change. Signatures are checked before
the body is parsed, so an unsigned caller learns nothing about orders.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from orders.models import Shipment
from tests.factories import OrderEventFactory, ShipmentFactory, row_counts

pytestmark = pytest.mark.django_db

URL = "/webhooks/carrier/"
SECRET = "test-carrier-secret"
MAX_BODY = 64 * 1024


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.CARRIER_WEBHOOK_SECRET = SECRET


@pytest.fixture
def shipment():
    shipment = ShipmentFactory(tracking_number="TRK000000042", order__number="W0000001")
    OrderEventFactory(order=shipment.order, kind="shipped", to_status="shipped")
    return shipment


_SENT_AT = {"now": 0}  # the carrier's timestamp header, set for each test


@pytest.fixture(autouse=True)
def _sent_now():
    _SENT_AT["now"] = int(time.time())


def _signed(body: bytes) -> bytes:
    """What the carrier signs: its timestamp, a dot, the body."""
    return f"{_SENT_AT['now']}.".encode() + body


def _sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), _signed(body), hashlib.sha256).hexdigest()


def _event(**overrides) -> bytes:
    data = {"tracking_number": "TRK000000042", "status": "delivered", "event_id": "ev-1"}
    data.update(overrides)
    return json.dumps(data).encode()


def _post(client, body: bytes, signature: str | None = None, **headers):
    headers.setdefault("HTTP_X_CARRIER_TIMESTAMP", str(_SENT_AT["now"]))
    if signature is not None:
        headers["HTTP_X_CARRIER_SIGNATURE"] = signature
    return client.generic("POST", URL, body, content_type="application/json", **headers)


def _assert_rejected(response, status: int, code: str, detail: str, before, shipment) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": code, "detail": detail}
    assert row_counts() == before
    shipment.refresh_from_db()
    shipment.order.refresh_from_db()
    assert (shipment.status, shipment.order.status) == ("created", "shipped")


def test_a_correctly_signed_event_gets_past_the_checks(client, shipment):
    # given a well-formed, correctly signed event, while Temporal is down (the test default)
    body = _event()
    before = row_counts()

    # when the carrier posts it
    response = _post(client, body, _sign(body))

    # then signature and body were accepted; only the unreachable workflow stops it (retryable)
    assert response.status_code == 503
    assert response.json()["code"] == "temporal_unavailable"
    assert row_counts() == before


BAD_SIGNATURE_DETAIL = "Missing or invalid X-Carrier-Signature or X-Carrier-Timestamp header."


@pytest.mark.parametrize(
    "make_signature",
    [
        pytest.param(lambda body: None, id="missing"),
        pytest.param(lambda body: "", id="empty"),
        pytest.param(lambda body: "   ", id="blank"),
        pytest.param(lambda body: _sign(body, "wrong-secret"), id="wrong-secret"),
        pytest.param(lambda body: _sign(body + b" "), id="other-body"),
        pytest.param(lambda body: _sign(body)[:-1], id="truncated"),
        pytest.param(lambda body: _sign(body) + "00", id="extended"),
        pytest.param(lambda body: "sha256=" + _sign(b"{}"), id="prefixed-wrong"),
        pytest.param(lambda body: "z" * 64, id="not-hex"),
        pytest.param(lambda body: hashlib.sha256(_signed(body)).hexdigest(), id="unkeyed-sha256"),
        pytest.param(
            lambda body: hmac.new(SECRET.encode(), _signed(body), hashlib.sha1).hexdigest(),
            id="hmac-sha1",
        ),
        pytest.param(
            lambda body: hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
            id="body-only",
        ),
        pytest.param(lambda body: "x" * 10_000, id="oversized-header"),
    ],
)
def test_bad_signature_is_unauthorized(client, shipment, make_signature):
    # given a well-formed delivery event with a bad signature
    body = _event()
    before = row_counts()

    # when it is posted
    response = _post(client, body, make_signature(body))

    # then it is refused as unauthenticated and nothing changes
    _assert_rejected(response, 401, "bad_signature", BAD_SIGNATURE_DETAIL, before, shipment)


def test_bad_signature_is_checked_before_the_body(client, shipment):
    # given garbage that is not even JSON, unsigned
    before = row_counts()

    # when it is posted
    response = _post(client, b"\xff\xfe not json", "0" * 64)

    # then the answer is about the signature, not about the body
    _assert_rejected(response, 401, "bad_signature", BAD_SIGNATURE_DETAIL, before, shipment)


def test_webhook_refuses_calls_when_no_secret_is_configured(client, shipment, settings):
    # given a deployment that forgot CARRIER_WEBHOOK_SECRET
    settings.CARRIER_WEBHOOK_SECRET = ""
    body = _event()
    before = row_counts()

    # when a body signed with the empty key is posted
    response = _post(client, body, _sign(body, ""))

    # then it is refused (nobody can forge with the empty key) and nothing changes
    _assert_rejected(
        response, 503, "not_configured", "The carrier webhook is not configured.", before, shipment
    )


STATUSES = "in_transit, delivered, exception"
MALFORMED = [
    pytest.param(b"", "The body is not valid JSON.", id="empty"),
    pytest.param(b"not json", "The body is not valid JSON.", id="text"),
    pytest.param(b'{"tracking_number": "TRK0', "The body is not valid JSON.", id="truncated"),
    pytest.param(b"\xff\xfe\x00{}", "The body is not valid JSON.", id="not-utf8"),
    pytest.param(b"NaN", "The body must be a JSON object.", id="nan"),
    pytest.param(b"[]", "The body must be a JSON object.", id="array"),
    pytest.param(b'"delivered"', "The body must be a JSON object.", id="string"),
    pytest.param(b"null", "The body must be a JSON object.", id="null"),
    pytest.param(b"{}", "Missing required field(s): tracking_number, status.", id="empty-object"),
    pytest.param(_event(status=""), "Missing required field(s): status.", id="empty-status"),
    pytest.param(
        _event(tracking_number="  "),
        "Missing required field(s): tracking_number.",
        id="blank-tracking-number",
    ),
    pytest.param(
        _event(status="lost"),
        f"Unknown status 'lost'; expected one of: {STATUSES}.",
        id="unknown-status",
    ),
    pytest.param(
        _event(status="DELIVERED"),
        f"Unknown status 'DELIVERED'; expected one of: {STATUSES}.",
        id="status-wrong-case",
    ),
    pytest.param(_event(status=["delivered"]), "'status' must be a string.", id="status-list"),
    pytest.param(_event(tracking_number=42), "'tracking_number' must be a string.", id="number"),
    pytest.param(_event(event_id={"id": 1}), "'event_id' must be a string.", id="object-field"),
    pytest.param(_event(note=True), "'note' must be a string.", id="bool-field"),
    pytest.param(
        _event(tracking_number="T" * 51),
        "'tracking_number' is longer than 50 characters.",
        id="long-tracking-number",
    ),
    pytest.param(
        _event(event_id="e" * 101), "'event_id' is longer than 100 characters.", id="long-event-id"
    ),
    pytest.param(_event(note="n" * 1001), "'note' is longer than 1000 characters.", id="long-note"),
]


@pytest.mark.parametrize("body, detail", MALFORMED)
def test_malformed_signed_body_is_a_bad_request(client, shipment, body, detail):
    # given a body the carrier signed correctly but that is malformed
    before = row_counts()

    # when it is posted
    response = _post(client, body, _sign(body))

    # then it is a 400 that says what is wrong, and nothing changes
    _assert_rejected(response, 400, "bad_request", detail, before, shipment)


def test_deeply_nested_json_is_a_bad_request(client, shipment):
    # given a signed body nested deeper than the JSON parser's recursion limit
    body = b"[" * 10_000 + b"]" * 10_000
    before = row_counts()

    # when it is posted
    response = _post(client, body, _sign(body))

    # then it is refused cleanly (too large or malformed), never a 500
    assert response.status_code == 400
    assert response.json()["code"] in {"bad_request", "too_large"}
    assert row_counts() == before


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_oversized_body_is_refused(client, shipment, signed):
    # given a delivery event padded past the 64 KiB limit
    body = _event(note="", padding="p" * MAX_BODY)
    before = row_counts()

    # when it is posted
    response = _post(client, body, _sign(body) if signed else None)

    # then it is refused for its size before anything else, and nothing changes
    _assert_rejected(
        response, 400, "too_large", f"The body is larger than {MAX_BODY} bytes.", before, shipment
    )


def test_lying_content_length_is_refused(client, shipment):
    # given a small body that declares itself huge
    body = _event()
    before = row_counts()

    # when it is posted with that Content-Length
    response = _post(client, body, _sign(body), CONTENT_LENGTH=str(10 * 1024 * 1024))

    # then it is refused for its size, and nothing changes
    _assert_rejected(
        response, 400, "too_large", f"The body is larger than {MAX_BODY} bytes.", before, shipment
    )


@pytest.mark.parametrize(
    "tracking_number",
    [
        "TRK999999999",
        "trk000000042",
        "TRK000000042' OR '1'='1",
        "../../etc/passwd",
        "TRK\x00",
    ],
)
def test_unknown_tracking_number_is_not_found(client, shipment, tracking_number):
    # given a correctly signed event for a parcel we never shipped
    body = _event(tracking_number=tracking_number)
    before = row_counts()

    # when it is posted
    response = _post(client, body, _sign(body))

    # then it is a 404 naming the number, and nothing changes
    _assert_rejected(
        response,
        404,
        "unknown_tracking_number",
        f"No shipment has tracking number {tracking_number!r}.",
        before,
        shipment,
    )


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "options"])
def test_webhook_only_takes_post(client, shipment, method):
    # given a correctly signed body
    body = _event()
    before = row_counts()

    # when it arrives with another method
    response = client.generic(
        method.upper(),
        URL,
        body,
        content_type="application/json",
        HTTP_X_CARRIER_SIGNATURE=_sign(body),
    )

    # then it is refused and nothing changes
    assert response.status_code == 405
    assert row_counts() == before
    assert Shipment.objects.get().status == "created"
