"""Helpers for the REST API's bad-input tests."""

from __future__ import annotations

import json
import uuid

from tests.factories import row_counts


def post_json(client, path: str, payload, **headers):
    body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
    return client.post(path, body, content_type="application/json", **headers)


def checkout_body(**overrides) -> dict:
    body = {
        "email": "guest@example.com",
        "shipping_address": {
            "full_name": "Grace Hopper",
            "line1": "2 Compiler Road",
            "city": "Arlington",
            "postal_code": "22201",
            "country": "US",
        },
        "shipping_method": "standard",
        "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2039, "cvc": "123"},
    }
    body.update(overrides)
    return body


def idempotency_key() -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex}


def assert_error(response, status: int, code: str, detail: str, before) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert (data["code"], data["detail"]) == (code, detail)
    assert row_counts() == before
    return data
