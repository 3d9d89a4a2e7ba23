"""One error format for the whole API: ``{"code": ..., "detail": ..., "errors": {...}}``.

``code`` is stable (clients switch on it), ``detail`` is a human message, and ``errors`` maps a
field (dotted for nested fields, ``non_field_errors`` otherwise) to its messages; it is present
only on validation errors. Views raise ``ApiError`` to map a service exception to a status and
a code; anything unexpected is logged and becomes a JSON 500, never an HTML page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from shop import database_errors

logger = logging.getLogger("shop.api")

NON_FIELD = "non_field_errors"
# Every 429 and 503 says when to come back; refusals whose window is not known precisely use this.
DEFAULT_RETRY_AFTER_SECONDS = 60


class ApiError(exceptions.APIException):
    """An error with an explicit status and stable code, e.g. ``ApiError(409, "cancel_refused",
    "Already shipped.")``."""

    def __init__(self, status_code: int, code: str, detail: str) -> None:
        self.status_code = status_code
        super().__init__(detail=detail, code=code)


def field_error(field: str, message: str, code: str = "invalid") -> exceptions.ValidationError:
    """A 400 for one field (``field`` may be ``non_field_errors``)."""
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(message, code=code)]})


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation detail as ``{"a.b": ["message", ...]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in flatten_errors(value, name).items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, item in enumerate(detail):
            for field, messages in flatten_errors(
                item, f"{prefix}.{index}" if prefix else str(index)
            ).items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        out[prefix or NON_FIELD] = [str(item) for item in detail]
    else:
        out[prefix or NON_FIELD] = [str(detail)]
    return out


def _code_of(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        return "csrf_failed"
    code = getattr(exc.detail, "code", None)
    return str(code or exc.default_code)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """``REST_FRAMEWORK["EXCEPTION_HANDLER"]``."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = ApiError(413, "request_too_large", "The request body is too large.")
    elif isinstance(exc, SuspiciousOperation):
        exc = ApiError(400, "bad_request", "The request could not be understood.")
    elif isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable in the API: %s", exc)
        set_rollback()
        return Response(
            {"code": "temporarily_unavailable", "detail": database_errors.MESSAGE},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(database_errors.RETRY_AFTER_SECONDS)},
        )

    if not isinstance(exc, exceptions.APIException):
        view = context.get("view")
        logger.exception("Unhandled error in API view %s", type(view).__name__ if view else "?")
        set_rollback()
        return Response(
            {
                "code": "server_error",
                "detail": "Something went wrong on our side; please try again.",
            },
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    elif exc.status_code in (
        status.HTTP_429_TOO_MANY_REQUESTS,
        status.HTTP_503_SERVICE_UNAVAILABLE,
    ):
        headers["Retry-After"] = str(DEFAULT_RETRY_AFTER_SECONDS)

    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        field, messages = next(iter(errors.items()), (NON_FIELD, ["Invalid input."]))
        first = messages[0] if messages else "Invalid input."
        detail = first if field == NON_FIELD else f"{field}: {first}"
        data: dict[str, Any] = {"code": "invalid", "detail": detail, "errors": errors}
    else:
        data = {"code": _code_of(exc), "detail": str(exc.detail)}

    set_rollback()
    return Response(data, status=exc.status_code, headers=headers)


# --- Schema --------------------------------------------------------------------------------


# The codes every endpoint may answer per status (DRF's own and the handler's above); an
# endpoint adds its own with ``error_responses(..., codes={409: ["cancel_refused"]})``.
DEFAULT_CODES: dict[int, tuple[str, ...]] = {
    400: ("invalid", "parse_error", "bad_request"),
    401: ("not_authenticated", "authentication_failed"),
    403: ("permission_denied", "csrf_failed"),
    404: ("not_found",),
    405: ("method_not_allowed",),
    406: ("not_acceptable",),
    409: (),
    413: ("request_too_large",),
    415: ("unsupported_media_type",),
    422: (),
    429: ("throttled",),
    503: ("temporarily_unavailable",),
}

_DESCRIPTIONS = {
    400: "Malformed request: not JSON, or not what the schema allows (`invalid` lists the "
    "fields in `errors`).",
    401: "Missing, malformed, unknown or expired credentials.",
    403: "Not allowed (`csrf_failed`: a session write without `X-CSRFToken`).",
    404: "Not found, or not yours.",
    405: "Method not allowed.",
    406: "Cannot render the requested media type.",
    409: "Refused by the business rules in the current state (stock, limits, order status).",
    413: "The request body is too large.",
    415: "Unsupported request media type: send JSON.",
    422: "Well-formed, but a value is semantically invalid (`code` says which).",
    429: "Too many requests: try again after `Retry-After` seconds.",
    503: "A system the answer depends on is unreachable: try again after `Retry-After` seconds.",
}

# Every endpoint can answer these (bad credentials, CSRF, Accept header).
COMMON_ERRORS = (401, 403, 406)


def error_schema(codes: Iterable[str]) -> dict[str, Any]:
    """The JSON schema of an error body whose ``code`` is one of ``codes``."""
    return {
        "type": "object",
        "properties": {
            "code": {
                "type": "string",
                "enum": sorted(set(codes)),
                "description": "Stable machine-readable code (docs/API.md lists them).",
            },
            "detail": {"type": "string", "description": "Human-readable message."},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "Validation errors only: field (dotted when nested) to messages.",
            },
        },
        "required": ["code", "detail"],
    }


def error_responses(
    *statuses: int, codes: Mapping[int, Iterable[str]] | None = None
) -> dict[int, OpenApiResponse]:
    """``extend_schema(responses=...)`` entries for the given error statuses (plus the common
    ones), each with the error body and the exact ``code`` values it can carry."""
    extra = codes or {}
    return {
        status_code: OpenApiResponse(
            error_schema([*DEFAULT_CODES[status_code], *extra.get(status_code, ())]),
            description=_DESCRIPTIONS[status_code],
        )
        for status_code in sorted({*statuses, *extra, *COMMON_ERRORS})
    }
