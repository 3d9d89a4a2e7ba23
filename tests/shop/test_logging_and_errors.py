"""Structured log lines and the project's error pages."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client, RequestFactory

from shop import views
from shop.logging import JsonFormatter


def _record(name: str, msg: str, args=(), exc_info=None, **extra) -> logging.LogRecord:
    record = logging.getLogger(name).makeRecord(
        name, logging.ERROR, __file__, 1, msg, args, exc_info, extra=extra
    )
    record.created = 1_780_000_000.25
    return record


def test_json_formatter_carries_extra_fields_and_the_exception():
    # given a record with extra fields and an exception
    try:
        raise ValueError("card token missing")
    except ValueError:
        import sys

        record = _record("orders", "charge %s failed", ("A-7",), sys.exc_info(), attempt=3)

    # when it is formatted
    line = JsonFormatter().format(record)

    # then it is one JSON object with the message, the extras and the traceback
    payload = json.loads(line)
    assert "\n" not in line
    assert {k: v for k, v in payload.items() if k != "exception"} == {
        "ts": "2026-05-28T20:26:40.250+00:00",
        "level": "ERROR",
        "logger": "orders",
        "message": "charge A-7 failed",
        "attempt": 3,
    }
    assert payload["exception"].splitlines()[-1] == "ValueError: card token missing"


def test_json_formatter_logs_a_request_by_method_and_path():
    # given django.request's record for a failed request
    request = RequestFactory().post("/checkout/")
    record = _record(
        "django.request",
        "Internal Server Error: %s",
        ("/checkout/",),
        None,
        request=request,
        status_code=500,
    )

    # when it is formatted
    payload = json.loads(JsonFormatter().format(record))

    # then the request is identified, not dumped
    assert payload["request"] == {"method": "POST", "path": "/checkout/"}
    assert payload["status_code"] == 500


def test_json_formatter_splits_gunicorn_access_atoms():
    # given gunicorn's access-log record (its args are the atoms dict)
    atoms = {
        "h": "10.0.0.9",
        "m": "GET",
        "U": "/products/",
        "q": "q=tea",
        "H": "HTTP/1.1",
        "s": "200",
        "B": "5120",
        "M": "12",
        "a": "curl/8",
        "f": "-",
        "r": "GET /products/?q=tea HTTP/1.1",
    }
    record = logging.getLogger("gunicorn.access").makeRecord(
        "gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(m)s %(U)s %(H)s" %(s)s', (), None
    )
    record.args = atoms

    # when it is formatted
    payload = json.loads(JsonFormatter().format(record))

    # then each atom is a typed field beside the usual line
    assert payload["message"] == '10.0.0.9 "GET /products/ HTTP/1.1" 200'
    assert {
        k: payload[k]
        for k in (
            "remote_addr",
            "method",
            "path",
            "status",
            "bytes",
            "duration_ms",
            "user_agent",
        )
    } == {
        "remote_addr": "10.0.0.9",
        "method": "GET",
        "path": "/products/",
        "status": 200,
        "bytes": 5120,
        "duration_ms": 12,
        "user_agent": "curl/8",
    }
    assert "referer" not in payload
    # and the query string (it may carry an order link's token) is nowhere
    assert "q=tea" not in json.dumps(payload)


def test_server_error_page_renders_without_the_database():
    # given a request whose handling blew up (no database access allowed in this test)
    request = RequestFactory().get("/checkout/")

    # when the 500 handler renders
    response = views.server_error(request)

    # then the shopper gets the friendly page, not a traceback
    assert response.status_code == 500
    body = response.content.decode()
    assert "<h1>Server error</h1>" in body
    assert "Something went wrong on our side; please try again." in body


def test_server_error_is_json_for_api_clients():
    # given an API request that failed
    request = RequestFactory().get("/api/orders/")

    # when the 500 handler renders
    response = views.server_error(request)

    # then the answer is the API's JSON error shape
    assert response.status_code == 500
    assert json.loads(response.content) == {
        "code": "server_error",
        "detail": "Something went wrong on our side; please try again.",
    }


@pytest.mark.django_db
def test_csrf_failure_says_what_to_do():
    # given a browser posting a form without a CSRF token (e.g. after its session expired)
    client = Client(enforce_csrf_checks=True)

    # when the form is posted
    response = client.post("/healthz", {"x": "1"}, HTTP_ACCEPT="application/json")

    # then the 403 explains how to recover
    assert response.status_code == 403
    assert response.json() == {
        "code": "forbidden",
        "detail": "Your session expired or cookies are blocked. "
        "Go back, reload the page and try again.",
    }


@pytest.mark.django_db
def test_unknown_page_is_a_friendly_404(client):
    # given a URL that does not exist
    # when a shopper opens it
    response = client.get("/no-such-page/")

    # then the shop's 404 page answers
    assert response.status_code == 404
    assert "We could not find that page." in response.content.decode()
