"""Project-level views: health check and friendly error pages (never a traceback)."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from workflows.client import temporal_reachable

logger = logging.getLogger(__name__)

# A load balancer may poll every second from several hosts: Temporal's answer is reused for this
# long, and a request never waits longer than HEALTHZ_TEMPORAL_WAIT for a fresh one.
HEALTHZ_TEMPORAL_TTL = 2.0
HEALTHZ_TEMPORAL_WAIT = 1.5


class _TemporalProbe:
    """Temporal reachability, cached per address for ``ttl`` seconds.

    At most one check per address runs at a time (in a daemon thread, so a hung check can't pin
    a request thread); callers wait up to ``wait`` seconds for it and report "down" otherwise.
    """

    def __init__(self, ttl: float, wait: float) -> None:
        self.ttl = ttl
        self.wait = wait
        self._lock = threading.Lock()
        self._results: dict[str, tuple[float, bool]] = {}
        self._inflight: dict[str, threading.Event] = {}

    def reachable(self) -> bool:
        address = f"{settings.TEMPORAL_ADDRESS}/{settings.TEMPORAL_NAMESPACE}"
        with self._lock:
            cached = self._results.get(address)
            if cached is not None and time.monotonic() - cached[0] < self.ttl:
                return cached[1]
            done = self._inflight.get(address)
            if done is None:
                done = self._inflight[address] = threading.Event()
                threading.Thread(
                    target=self._check, args=(address, done), name="healthz-temporal", daemon=True
                ).start()
        if not done.wait(self.wait):
            return False
        with self._lock:
            return self._results[address][1]

    def _check(self, address: str, done: threading.Event) -> None:
        try:
            ok = temporal_reachable()
        except Exception:  # the health check reports, it never raises
            logger.exception("Temporal health check failed")
            ok = False
        with self._lock:
            self._results[address] = (time.monotonic(), ok)
            self._inflight.pop(address, None)
        done.set()

    def reset(self) -> None:
        with self._lock:
            self._results.clear()


temporal_probe = _TemporalProbe(ttl=HEALTHZ_TEMPORAL_TTL, wait=HEALTHZ_TEMPORAL_WAIT)


def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status", "database", "temporal"}``: 200 when both answer, 503 otherwise."""
    checks = {"database": _database_ok(), "temporal": temporal_probe.reachable()}
    healthy = all(checks.values())
    response = JsonResponse(
        {
            "status": "ok" if healthy else "degraded",
            **{name: "ok" if ok else "down" for name, ok in checks.items()},
        },
        status=200 if healthy else 503,
    )
    response["Cache-Control"] = "no-store"
    # A degraded answer is the check doing its job, polled every few seconds: the access log
    # records it; don't also log each poll as a django.request error.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("Database health check failed", exc_info=True)
        # A broken connection must not be reused by the next request on this thread.
        connection.close_if_unusable_or_obsolete()
        return False


# --- Error pages ------------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    if request.path.startswith(("/api/", "/webhooks/")):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _error(request: HttpRequest, status: int, code: str, title: str, message: str) -> HttpResponse:
    """JSON ``{"code", "detail"}`` for API clients (English), else the page in the shopper's
    language."""
    if _wants_json(request):
        return JsonResponse({"code": code, "detail": message}, status=status)
    title, message = _(title), _(message)
    return render(request, "error.html", {"title": title, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        400,
        "bad_request",
        gettext_noop("Bad request"),
        gettext_noop("The request could not be understood."),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        403,
        "forbidden",
        gettext_noop("Forbidden"),
        gettext_noop("You are not allowed to do that."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A stale form (expired session, cookies blocked): say what to do instead of Django's page."""
    return _error(
        request,
        403,
        "forbidden",
        gettext_noop("Forbidden"),
        gettext_noop(
            "Your session expired or cookies are blocked. Go back, reload the page and try again."
        ),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        404,
        "not_found",
        gettext_noop("Not found"),
        gettext_noop("We could not find that page."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without context processors and without the database: whatever broke the request
    (often the database) must not break its error page too."""
    title, message = (
        gettext_noop("Server error"),
        gettext_noop("Something went wrong on our side; please try again."),
    )
    if _wants_json(request):
        return JsonResponse({"code": "server_error", "detail": message}, status=500)
    title, message = _(title), _(message)
    try:
        html = loader.get_template("error.html").render(
            {"title": title, "message": message, "cart_count": 0}
        )
    except Exception:
        logger.exception("Rendering the 500 page failed")
        html = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>"
    return HttpResponse(html, status=500)
