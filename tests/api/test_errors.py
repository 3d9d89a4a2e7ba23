"""Every API error is JSON ``{"code", "detail"[, "errors"]}``, never an HTML page."""

import pytest
from rest_framework import exceptions

from shop.api_errors import api_exception_handler, flatten_errors

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_a_json_404(api):
    # given nothing at this path
    # when a client requests it
    response = api.get("/api/nothing-here/")

    # then it gets JSON, not the HTML error page
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "not_found",
        "detail": "No API endpoint at this path (they end with a slash).",
    }


def test_wrong_method_is_a_json_405(api):
    # given a read-only endpoint
    # when a client posts to it
    response = api.post("/api/categories/", {}, format="json")

    # then it gets a 405 with a code
    assert response.status_code == 405
    assert response.json() == {"code": "method_not_allowed", "detail": 'Method "POST" not allowed.'}


def test_malformed_json_is_a_400_parse_error(api):
    # given a body that is not JSON
    # when a client sends it
    response = api.post("/api/auth/token/", "{nope", content_type="application/json")

    # then it gets a parse error
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_validation_errors_list_each_field(api):
    # given a body missing the password and with a bad email
    # when a client asks for a token
    response = api.post("/api/auth/token/", {"email": "not-an-email"}, format="json")

    # then every field error is listed, and the detail names the first one
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "email: Enter a valid email address.",
        "errors": {
            "email": ["Enter a valid email address."],
            "password": ["This field is required."],
        },
    }


def test_unsupported_media_type_is_json(api):
    # given a form-encoded body (the API takes JSON)
    # when a client posts it
    response = api.post("/api/auth/token/", {"email": "a@example.com"}, format="multipart")

    # then it is told so in JSON
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_nested_errors_are_flattened_with_dots():
    # given DRF's nested validation detail
    detail = {
        "shipping_address": {"city": ["Required."]},
        "lines": [{}, {"quantity": ["Too many."]}],
        "non_field_errors": ["Bad."],
    }

    # when it is flattened
    flat = flatten_errors(detail)

    # then fields are dotted paths
    assert flat == {
        "shipping_address.city": ["Required."],
        "lines.1.quantity": ["Too many."],
        "non_field_errors": ["Bad."],
    }


def test_unexpected_exception_becomes_a_json_500():
    # given an exception no one expected
    # when the handler sees it
    response = api_exception_handler(RuntimeError("boom"), {"view": None})

    # then the client gets a JSON 500 without internals
    assert response.status_code == 500
    assert response.data == {
        "code": "server_error",
        "detail": "Something went wrong on our side; please try again.",
    }


def test_throttled_carries_retry_after():
    # given a throttled exception
    # when the handler sees it
    response = api_exception_handler(exceptions.Throttled(wait=12), {"view": None})

    # then the wait is in the header and the body
    assert response.status_code == 429
    assert response["Retry-After"] == "12"
    assert response.data["code"] == "throttled"


def test_json_nested_too_deeply_is_a_400(api):
    # given JSON nested deeper than Python's recursion limit
    body = '{"email": ' + "[" * 10_000 + "]" * 10_000 + "}"

    # when a client sends it
    response = api.post("/api/auth/token/", body, content_type="application/json")

    # then it is a parse error, not a 500
    assert response.status_code == 400
    assert response.json() == {
        "code": "parse_error",
        "detail": "JSON parse error - nested too deeply.",
    }


def test_oversized_body_is_a_413(api, settings):
    # given a server that accepts at most 1 kB
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    # when a client sends 2 kB
    response = api.post(
        "/api/auth/token/", {"email": "a@example.com", "password": "x" * 2048}, format="json"
    )

    # then it is refused with a code
    assert response.status_code == 413
    assert response.json() == {
        "code": "request_too_large",
        "detail": "The request body is too large.",
    }


def test_nested_non_field_errors_keep_their_path():
    # given a nested object that was not an object
    detail = {"card": {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}}

    # when it is flattened
    flat = flatten_errors(detail)

    # then the field is still named
    assert flat == {"card.non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}
