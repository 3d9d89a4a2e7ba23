"""The schema says exactly what the server does: auth scheme, required bodies, enums for every
fixed set, per-endpoint error codes, path patterns, headers and links (docs/API.md, "Schema")."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _code_enum(operation: dict, status: str) -> list[str]:
    body = operation["responses"][status]["content"]["application/json"]["schema"]
    return body["properties"]["code"]["enum"]


def test_token_is_an_http_bearer_scheme_and_sessions_document_csrf(schema):
    # given the schema
    schemes = schema["components"]["securitySchemes"]

    # then generated clients send Bearer, and the session scheme says how CSRF works
    assert (schemes["tokenAuth"]["type"], schemes["tokenAuth"]["scheme"]) == ("http", "bearer")
    assert "`X-CSRFToken`" in schemes["cookieAuth"]["description"]
    patch = schema["paths"]["/api/cart/items/{product_id}/"]["patch"]
    assert [p["name"] for p in patch["parameters"]] == ["product_id", "X-CSRFToken"]


def test_bodies_with_required_fields_are_required(schema):
    # given the schema
    # then PATCH of a cart line requires its body with a quantity
    patch = schema["paths"]["/api/cart/items/{product_id}/"]["patch"]["requestBody"]
    assert patch["required"] is True
    assert patch["content"]["application/json"]["schema"]["required"] == ["quantity"]


def test_fixed_sets_are_enums(schema):
    # given the schema's components
    components = schema["components"]["schemas"]

    # then each fixed set is a named enum, used where the values appear
    assert components["ShipmentStatusEnum"]["enum"] == [
        "created",
        "in_transit",
        "delivered",
        "exception",
    ]
    assert components["StepStatusEnum"]["enum"] == ["started", "completed", "failed", "compensated"]
    assert components["ShippingMethodEnum"]["enum"] == ["standard", "express"]
    assert "staff_action" not in components["OrderEventKindEnum"]["enum"]
    assert components["OrderEventKindEnum"]["enum"][:2] == ["placed", "workflow_started"]
    detail = components["OrderDetail"]["properties"]
    assert detail["shipping_method"] == {"$ref": "#/components/schemas/ShippingMethodEnum"}
    assert components["Progress"]["properties"]["status"] == {
        "$ref": "#/components/schemas/OrderStatusEnum"
    }
    event = components["OrderEvent"]["properties"]
    assert event["kind"] == {"$ref": "#/components/schemas/OrderEventKindEnum"}
    assert event["to_status"]["oneOf"] == [
        {"$ref": "#/components/schemas/OrderStatusEnum"},
        {"$ref": "#/components/schemas/BlankEnum"},
    ]


def test_every_error_response_lists_its_codes(schema):
    # given the checkout, cart and token operations
    checkout = schema["paths"]["/api/checkout/"]["post"]
    add = schema["paths"]["/api/cart/items/"]["post"]
    token = schema["paths"]["/api/auth/token/"]["post"]

    # then each error status has the exact codes that endpoint answers
    assert _code_enum(checkout, "409") == [
        "cart_changed",
        "empty_cart",
        "insufficient_stock",
        "number_exhausted",
        "voucher_customer_limit",
        "voucher_exhausted",
        "voucher_expired",
        "voucher_inactive",
        "voucher_minimum_subtotal",
        "voucher_not_started",
    ]
    assert _code_enum(checkout, "422") == [
        "expired_card",
        "idempotency_key_reused",
        "invalid_cvc",
        "invalid_expiry",
        "invalid_number",
        "voucher_unknown",
    ]
    assert _code_enum(add, "409") == ["insufficient_stock", "quantity_limit"]
    assert _code_enum(add, "422") == ["unknown_product"]
    assert _code_enum(token, "400") == ["bad_request", "invalid", "parse_error"]
    assert _code_enum(token, "401") == [
        "authentication_failed",
        "bad_credentials",
        "not_authenticated",
    ]
    assert _code_enum(token, "429") == ["locked_out", "throttled"]
    # and every error answer of every operation has a code enum
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert _code_enum(operation, status), (method, path, status)


def test_headers_and_path_patterns_are_declared(schema):
    # given the schema
    checkout = schema["paths"]["/api/checkout/"]["post"]
    order = schema["paths"]["/api/orders/{number}/"]["get"]

    # then checkout's 201 has a Location, every 429 a Retry-After, numbers a pattern
    assert checkout["responses"]["201"]["headers"]["Location"]["required"] is True
    for item in schema["paths"].values():
        for operation in item.values():
            if "429" in operation["responses"]:
                retry = operation["responses"]["429"]["headers"]["Retry-After"]
                assert retry["schema"] == {"type": "integer", "minimum": 0}
    assert order["parameters"][0]["schema"] == {
        "type": "string",
        "pattern": "^[A-Za-z0-9-]{1,20}$",
    }


def test_links_walk_an_order_from_checkout_to_cancel_and_pay(schema):
    # given the schema
    checkout = schema["paths"]["/api/checkout/"]["post"]["responses"]["201"]
    order = schema["paths"]["/api/orders/{number}/"]["get"]["responses"]["200"]

    # then checkout links to the order, its cancel and its pay, by the answer's number
    assert {name: link["operationId"] for name, link in checkout["links"].items()} == {
        "GetOrder": "orders_retrieve",
        "CancelOrder": "orders_cancel_create",
        "PayOrder": "orders_pay_create",
    }
    assert checkout["links"]["CancelOrder"]["parameters"] == {"number": "$response.body#/number"}
    assert order["links"]["CancelOrder"]["parameters"] == {"number": "$request.path.number"}
