"""A database that drops out mid-request (a killed connection, a failover, a restart) answers
503 with ``Retry-After``, in JSON for the API and a plain page otherwise, instead of a 500: the
client may simply try again, and Django opens a fresh connection for the next request."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2
MESSAGE = "We could not reach our database just now. Please try again in a moment."


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.warning(
            "database unavailable during %s %s: %s", request.method, request.path, exception
        )
        for connection in connections.all(initialized_only=True):
            if connection.in_atomic_block:
                continue
            connection.close_if_unusable_or_obsolete()
        close_old_connections()
        if request.path.startswith(("/api/", "/webhooks/")):
            response: HttpResponse = JsonResponse(
                {"code": "temporarily_unavailable", "detail": MESSAGE}, status=503
            )
        else:
            body = render_to_string("error.html", {"title": "Please try again", "message": MESSAGE})
            response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
