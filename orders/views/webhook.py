"""Carrier webhook: ``POST /webhooks/carrier/``.

Body: JSON ``{"tracking_number": ..., "status": ..., "event_id"?: ..., "note"?: ...}``. As
Stripe does, the carrier sends the time of sending (Unix seconds) in ``X-Carrier-Timestamp``
and signs ``<timestamp>.<raw body>`` with HMAC-SHA256 and ``CARRIER_WEBHOOK_SECRET``, hex digest
in ``X-Carrier-Signature``. An event sent more than ``CARRIER_WEBHOOK_TOLERANCE_SECONDS`` (5
minutes) from now is refused, so a captured request can't be replayed later. The event is
forwarded to the order's workflow as a signal (or, for a return's label, to the return's
workflow: ``returns.webhook``).

Answers are JSON ``{code, detail}``: 202 accepted, 400 malformed, 401 bad signature or stale
timestamp, 404 unknown tracking number, 409 order no longer running, 503 Temporal unreachable
(the carrier retries). Nothing is touched when a request is rejected. Repeated events are
harmless: the workflow ignores event ids it has seen (an event without ``event_id`` is known by
a hash of its body), and events for finished orders are acknowledged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from orders.services.tracking import (
    InvalidCarrierStatus,
    OrderNotActive,
    ShipmentNotFound,
    forward_carrier_event,
)
from orders.status import FINAL
from returns.webhook import answer_return_event, return_for_tracking
from workflows.client import CARRIER_STATUSES, TemporalUnavailable

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
SIGNATURE_HEADER = "X-Carrier-Signature"
TIMESTAMP_HEADER = "X-Carrier-Timestamp"
MAX_FIELD_CHARS = {"tracking_number": 50, "event_id": 100, "note": 1000}


def sign(body: bytes, timestamp: int | str, secret: str | None = None) -> str:
    """The hex signature a carrier sends for ``body`` sent at ``timestamp``."""
    key = (secret if secret is not None else settings.CARRIER_WEBHOOK_SECRET or "").encode()
    return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signed_headers(
    body: bytes, secret: str | None = None, timestamp: int | None = None
) -> dict[str, str]:
    """The headers a carrier sends with ``body`` now (``simulate_delivery``, tests)."""
    sent_at = int(time.time()) if timestamp is None else timestamp
    return {TIMESTAMP_HEADER: str(sent_at), SIGNATURE_HEADER: sign(body, sent_at, secret)}


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


def _signature_ok(request: HttpRequest, body: bytes) -> bool:
    given = request.headers.get(SIGNATURE_HEADER, "").strip().lower().removeprefix("sha256=")
    timestamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
    if not given or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return hmac.compare_digest(given.encode(), sign(body, timestamp).encode())


def _fresh(request: HttpRequest) -> bool:
    """Sent within the tolerance of now (either way: clocks differ a little)."""
    sent_at = int(request.headers[TIMESTAMP_HEADER].strip())
    return abs(time.time() - sent_at) <= settings.CARRIER_WEBHOOK_TOLERANCE_SECONDS


def body_event_id(body: bytes) -> str:
    """An event without ``event_id`` is known by its body: the same body is the same event."""
    return "body-sha256:" + hashlib.sha256(body).hexdigest()[:40]


class _BadPayload(ValueError):
    pass


def _parse(body: bytes) -> dict[str, str]:
    try:
        data: Any = json.loads(body.decode("utf-8"))
    # ValueError covers JSON errors and integers too long to convert (Python's 4300 digits).
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _BadPayload("The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise _BadPayload("The body must be a JSON object.")
    fields: dict[str, str] = {}
    for name in ("tracking_number", "status", "event_id", "note"):
        value = data.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise _BadPayload(f"'{name}' must be a string.")
        value = value.strip()
        limit = MAX_FIELD_CHARS.get(name)
        if limit and len(value) > limit:
            raise _BadPayload(f"'{name}' is longer than {limit} characters.")
        fields[name] = value
    missing = [name for name in ("tracking_number", "status") if not fields[name]]
    if missing:
        raise _BadPayload("Missing required field(s): " + ", ".join(missing) + ".")
    if fields["status"] not in CARRIER_STATUSES:
        raise _BadPayload(
            f"Unknown status {fields['status']!r}; expected one of: {', '.join(CARRIER_STATUSES)}."
        )
    return fields


@csrf_exempt
def carrier_webhook(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        response = _error(405, "method_not_allowed", "Send carrier events with POST.")
        response["Allow"] = "POST"
        return response
    if not settings.CARRIER_WEBHOOK_SECRET:
        logger.error("CARRIER_WEBHOOK_SECRET is not set: rejecting carrier webhook calls.")
        return _error(503, "not_configured", "The carrier webhook is not configured.")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return _error(400, "too_large", f"The body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(400, "too_large", f"The body is larger than {MAX_BODY_BYTES} bytes.")
    if len(body) > MAX_BODY_BYTES:
        return _error(400, "too_large", f"The body is larger than {MAX_BODY_BYTES} bytes.")
    if not _signature_ok(request, body):
        return _error(
            401,
            "bad_signature",
            f"Missing or invalid {SIGNATURE_HEADER} or {TIMESTAMP_HEADER} header.",
        )
    if not _fresh(request):
        return _error(
            401,
            "stale_timestamp",
            f"{TIMESTAMP_HEADER} is more than {settings.CARRIER_WEBHOOK_TOLERANCE_SECONDS} "
            "seconds from now: send events when they happen, and sign each attempt anew.",
        )
    try:
        fields = _parse(body)
        ret = return_for_tracking(fields["tracking_number"])  # a return's label: its workflow
        if ret is not None:
            event_id = fields["event_id"] or body_event_id(body)
            return answer_return_event(
                ret, fields["status"], event_id=event_id, note=fields["note"]
            )
        order = forward_carrier_event(
            fields["tracking_number"],
            fields["status"],
            event_id=fields["event_id"] or body_event_id(body),
            note=fields["note"],
        )
    except (_BadPayload, InvalidCarrierStatus) as exc:
        return _error(400, "bad_request", str(exc))
    except ShipmentNotFound as exc:
        return _error(404, "unknown_tracking_number", str(exc))
    except OrderNotActive as exc:
        return _error(409, "order_not_active", str(exc))
    except TemporalUnavailable:
        logger.warning("Carrier event for %s not forwarded: Temporal unreachable.", fields)
        return _error(503, "temporal_unavailable", "The order system is unreachable; retry later.")
    if order.status in FINAL:  # acknowledged so the carrier stops retrying, but say so
        status = order.get_status_display().lower()
        detail = f"Order {order.number} is already {status}; event {fields['status']!r} ignored."
    else:
        detail = f"Event {fields['status']!r} forwarded to order {order.number}."
    return JsonResponse(
        {
            "code": "accepted",
            "detail": detail,
            "order": order.number,
            "order_status": order.status,
        },
        status=202,
    )
