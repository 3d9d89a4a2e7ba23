"""Structured logging: one JSON object per line on stdout (``LOG_FORMAT=json``).

Used by Django's ``LOGGING`` (shop/settings.py) and by gunicorn's access log
(deploy/gunicorn.conf.py). Imports nothing from Django so gunicorn can load it before the app.
"""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged.
_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)

# gunicorn access-log atoms worth a field of their own (see gunicorn's access_log_format).
_ACCESS_ATOMS = {
    "h": "remote_addr",
    "m": "method",
    "U": "path",  # never the query string: it may carry a signed order link
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "a": "user_agent",
    "f": "referer",
}


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", ...extra}``; exceptions as a ``exception`` string."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            payload.update(_access_fields(record.args))
        for key, value in record.__dict__.items():
            if key in _STANDARD_ATTRS or key.startswith("_"):
                continue
            payload[key] = _jsonable(key, value)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


def _access_fields(atoms: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for atom, name in _ACCESS_ATOMS.items():
        value = atoms.get(atom)
        if value in (None, "-", ""):
            continue
        if name in ("status", "bytes", "duration_ms"):
            with contextlib.suppress(TypeError, ValueError):
                value = int(value)
        fields[name] = value
    return fields


def _jsonable(key: str, value: Any) -> Any:
    if key == "request" and hasattr(value, "method") and hasattr(value, "path"):
        # django.request passes the HttpRequest itself: log what identifies it, not its repr.
        return {"method": value.method, "path": value.path}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple | dict):
        try:
            json.dumps(value)
            return value
        except (TypeError, ValueError):
            return str(value)
    return str(value)
