"""The OpenAPI schema and the offline Swagger UI."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_is_openapi_3_with_every_endpoint(api):
    # given the API
    # when a client fetches the schema as JSON
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    # then it is OpenAPI 3 listing every endpoint
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert sorted(schema["paths"]) == [
        "/api/auth/token/",
        "/api/cart/",
        "/api/cart/items/",
        "/api/cart/items/{product_id}/",
        "/api/categories/",
        "/api/categories/{slug}/",
        "/api/checkout/",
        "/api/orders/",
        "/api/orders/{number}/",
        "/api/orders/{number}/cancel/",
        "/api/orders/{number}/invoice/",
        "/api/orders/{number}/pay/",
        "/api/orders/{number}/refunds/",
        "/api/orders/{number}/returns/",
        "/api/orders/{number}/returns/{return_number}/",
        "/api/products/",
        "/api/products/{slug}/",
    ]
    checkout = schema["paths"]["/api/checkout/"]["post"]
    assert [(p["name"], p["required"]) for p in checkout["parameters"]] == [
        ("Idempotency-Key", True),
        ("X-CSRFToken", False),
    ]
    assert sorted(checkout["responses"]) == [
        "200",
        "201",
        "400",
        "401",
        "403",
        "406",
        "409",
        "422",
        "429",
    ]
    # and checkout's answer carries the card's outcome, whose status is an enum
    components = schema["components"]["schemas"]
    created = checkout["responses"]["201"]["content"]["application/json"]["schema"]
    assert created == {"$ref": "#/components/schemas/CheckoutResult"}
    assert components["CheckoutResult"]["properties"]["payment"] == {
        "allOf": [{"$ref": "#/components/schemas/PaymentOutcome"}],
        "readOnly": True,
    }
    outcome = components["PaymentOutcome"]
    assert sorted(outcome["properties"]) == ["code", "detail", "status"]
    assert outcome["properties"]["status"] == {
        "$ref": "#/components/schemas/PaymentOutcomeStatusEnum"
    }
    assert components["PaymentOutcomeStatusEnum"]["enum"] == [
        "authorized",
        "declined",
        "failed",
        "pending",
    ]
    # and paying again takes a card and answers with the outcome and the order
    pay = schema["paths"]["/api/orders/{number}/pay/"]["post"]
    body = pay["requestBody"]["content"]["application/json"]["schema"]
    assert components[body["$ref"].rsplit("/", 1)[1]]["required"] == ["card"]
    assert sorted(pay["responses"]) == [
        "200",
        "400",
        "401",
        "403",
        "404",
        "406",
        "409",
        "422",
        "429",
        "503",
    ]
    assert sorted(components["PayResult"]["properties"]) == ["order", "payment"]


def test_schema_validates_without_warnings(tmp_path):
    # given the API
    # when drf-spectacular validates the schema and fails on any warning
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))

    # then it passes (an exception would fail the test)
    assert (tmp_path / "s.yaml").read_text().startswith("openapi: 3.0.3")


def test_docs_page_serves_swagger_ui_from_local_static(api):
    # given the API
    # when a browser opens the docs page
    response = api.get("/api/docs/", HTTP_ACCEPT="text/html")

    # then Swagger UI loads from our static files (works offline), and its start-up script is
    # a file of the docs page (no inline script) that points at the schema
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert '<script src="/api/docs/?script="></script>' in html
    assert "cdn" not in html.lower()
    script = api.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_browsable_root_links_everything(api):
    # given the API
    # when a client opens the root
    response = api.get("/api/", HTTP_ACCEPT="application/json")

    # then it links every resource
    assert response.json() == {
        "categories": "http://testserver/api/categories/",
        "products": "http://testserver/api/products/",
        "orders": "http://testserver/api/orders/",
        "cart": "http://testserver/api/cart/",
        "checkout": "http://testserver/api/checkout/",
        "auth-token": "http://testserver/api/auth/token/",
        "schema": "http://testserver/api/schema/",
        "docs": "http://testserver/api/docs/",
    }
