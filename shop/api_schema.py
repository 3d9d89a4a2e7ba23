"""What the generated OpenAPI schema needs beyond the views' ``extend_schema``: response headers
(``Retry-After`` on every 429 and 503, ``Location`` on checkout) and OpenAPI links that walk an
order's life (checkout -> order -> cancel / pay), so generated clients and stateful fuzzers can
follow a real order. ``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}
LOCATION = {
    "description": "Path of the order: `/api/orders/{number}/`.",
    "required": True,
    "schema": {"type": "string", "pattern": r"^/api/orders/[A-Za-z0-9-]{1,20}/$"},
}


CSRF_HEADER = {
    "name": "X-CSRFToken",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "Session callers only (the pages' cookie, or an anonymous caller that keeps "
    "cookies): the value of the `csrftoken` cookie, needed on every write once the request "
    "carries the session cookie. `GET /api/cart/` sets the cookie. Token callers omit it.",
}
WRITES = ("post", "put", "patch", "delete")


def order_links(number: str) -> dict[str, dict[str, Any]]:
    """Links from an answer that holds an order number (a runtime expression) to the order's
    operations."""
    return {
        name: {"operationId": operation, "parameters": {"number": number}, "description": text}
        for name, operation, text in (
            ("GetOrder", "orders_retrieve", "The order, with live progress."),
            ("CancelOrder", "orders_cancel_create", "Cancel the order."),
            ("PayOrder", "orders_pay_create", "Pay again after a declined card."),
        )
    }


def _response(result: dict, path: str, method: str, status: str) -> dict[str, Any] | None:
    return result["paths"].get(path, {}).get(method, {}).get("responses", {}).get(status)


def _add_links(result: dict, path: str, method: str, status: str, links: dict) -> None:
    response = _response(result, path, method, status)
    if response is not None:
        response.setdefault("links", {}).update(links)


def _body_schema(result: dict, operation: dict) -> dict:
    schema = operation["requestBody"].get("content", {}).get("application/json", {})
    schema = schema.get("schema", {})
    if "$ref" in schema:
        schema = result["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def postprocess(result: dict, generator: Any, request: Any, public: bool) -> dict:
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in WRITES:
                continue
            # A body with required fields is itself required (drf-spectacular leaves PATCH's out).
            if "requestBody" in operation and _body_schema(result, operation).get("required"):
                operation["requestBody"]["required"] = True
            if any("cookieAuth" in option for option in operation.get("security", [])):
                operation.setdefault("parameters", []).append(deepcopy(CSRF_HEADER))
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                if status in ("429", "503"):
                    response.setdefault("headers", {})["Retry-After"] = deepcopy(RETRY_AFTER)

    for status in ("200", "201"):
        checkout = _response(result, "/api/checkout/", "post", status)
        if checkout is not None:
            checkout.setdefault("headers", {})["Location"] = deepcopy(LOCATION)
        _add_links(result, "/api/checkout/", "post", status, order_links("$response.body#/number"))
    _add_links(
        result, "/api/orders/", "get", "200", order_links("$response.body#/results/0/number")
    )
    _add_links(result, "/api/orders/{number}/", "get", "200", order_links("$request.path.number"))
    for action in ("cancel", "pay"):
        path = f"/api/orders/{{number}}/{action}/"
        _add_links(result, path, "post", "200", order_links("$response.body#/order/number"))

    line = {"product_id": "$response.body#/lines/0/product/id"}
    cart_links = {
        "ChangeCartItem": {"operationId": "cart_items_partial_update", "parameters": line},
        "RemoveCartItem": {"operationId": "cart_items_destroy", "parameters": line},
    }
    _add_links(result, "/api/cart/items/", "post", "201", cart_links)
    return result
