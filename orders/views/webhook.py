"""Carrier webhook: ``POST /webhooks/carrier/``.

Body: JSON ``{"tracking_number": ..., "status": ..., "event_id"?: ..., "note"?: ...}``, signed
with HMAC-SHA256 over the raw body using ``CARRIER_WEBHOOK_SECRET``, hex digest in the
``X-Carrier-Signature`` header. The event is forwarded to the order's workflow as a signal.

Answers are JSON ``{code, detail}``: 202 accepted, 400 malformed, 401 bad signature, 404
unknown tracking number, 409 order no longer running, 503 Temporal unreachable (the carrier
retries). Nothing is touched when a request is rejected. Repeated events are harmless: the
workflow ignores event ids it has seen, and events for finished orders are acknowledged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
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
from workflows.client import CARRIER_STATUSES, TemporalUnavailable

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
SIGNATURE_HEADER = "X-Carrier-Signature"
MAX_FIELD_CHARS = {"tracking_number": 50, "event_id": 100, "note": 1000}


def sign(body: bytes, secret: str | None = None) -> str:
    """The hex signature a carrier sends for ``body`` (also used by ``simulate_delivery``)."""
    key = (secret if secret is not None else settings.CARRIER_WEBHOOK_SECRET or "").encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


def _signature_ok(request: HttpRequest, body: bytes) -> bool:
    given = request.headers.get(SIGNATURE_HEADER, "").strip().lower().removeprefix("sha256=")
    if not given:
        return False
    return hmac.compare_digest(given.encode(), sign(body).encode())


class _BadPayload(ValueError):
    pass


def _parse(body: bytes) -> dict[str, str]:
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
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
        return _error(401, "bad_signature", f"Missing or invalid {SIGNATURE_HEADER} header.")
    try:
        fields = _parse(body)
        order = forward_carrier_event(
            fields["tracking_number"],
            fields["status"],
            event_id=fields["event_id"],
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
