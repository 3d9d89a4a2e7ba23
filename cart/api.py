"""Cart endpoints for session (anonymous or logged-in) and token callers: thin over
``cart.services``. Each answer is the whole cart, priced from the database."""

from __future__ import annotations

from django.middleware.csrf import get_token
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cart import services
from cart.models import Cart
from cart.serializers import (
    AddItemSerializer,
    CartSerializer,
    SetQuantitySerializer,
    VoucherSerializer,
)
from cart.services import MAX_QUANTITY, MIN_QUANTITY, CartError
from promotions.services import VOUCHER_REFUSALS, VOUCHER_UNKNOWN
from shop.api_errors import ApiError, error_responses

# How each endpoint answers the service's refusals (docs/API.md, "Status codes"). Anything
# not listed is bad input (400).
_ADD_STATUS = {"unknown_product": 422, "insufficient_stock": 409, "rate_limited": 429}
_CHANGE_STATUS = {"not_in_cart": 404, "unknown_product": 409, "insufficient_stock": 409}
QUANTITY_LIMIT = "quantity_limit"
# A voucher that exists but can't be used now is 409; no such code, 422.
EMPTY_CART = "empty_cart"
_VOUCHER_STATUS = {VOUCHER_UNKNOWN: 422, EMPTY_CART: 409, **dict.fromkeys(VOUCHER_REFUSALS, 409)}
_VOUCHER_BODY = {
    "application/json": {
        "type": "object",
        "properties": {
            "voucher_code": {
                "type": "string",
                "maxLength": 40,
                "nullable": True,
                "description": "The code to apply; empty or null removes the cart's voucher.",
            }
        },
        "required": ["voucher_code"],
    }
}


def cart_error(exc: CartError, statuses: dict[str, int]) -> ApiError:
    return ApiError(statuses.get(exc.code, 400), exc.code, exc.message)


def add_error(exc: CartError) -> ApiError:
    """The body's quantity is already 1-99 here: a service `invalid_quantity` means the line
    would pass the per-line cap with what the cart holds, a refusal (409 `quantity_limit`)."""
    if exc.code == "invalid_quantity":
        return ApiError(409, QUANTITY_LIMIT, exc.message)
    return cart_error(exc, _ADD_STATUS)


class CartMixin:
    """The caller's cart: the token user's, the session user's or the anonymous session's."""

    def caller_cart(self, request: Request, create: bool = False) -> Cart | None:
        if not isinstance(request.successful_authenticator, TokenAuthentication):
            get_token(request._request)  # session callers need the CSRF cookie for writes
        return services.get_cart(request, create=create)

    def cart_response(self, cart: Cart | None, status_code: int = status.HTTP_200_OK) -> Response:
        user = self.request.user if self.request.user.is_authenticated else None
        summary = services.summarize(cart, user=user)
        return Response(CartSerializer(summary).data, status=status_code)


class CartView(CartMixin, APIView):
    @extend_schema(summary="Your cart", responses={200: CartSerializer, **error_responses()})
    def get(self, request: Request) -> Response:
        return self.cart_response(self.caller_cart(request))

    @extend_schema(
        summary="Apply or remove a voucher",
        description="Checks the code against the cart (validity, limits, minimum subtotal) and "
        "keeps it on the cart; the answer shows the discount. An empty or null code removes "
        "the voucher. Codes: `voucher_unknown` (422), `voucher_expired`, `voucher_not_started`, "
        "`voucher_inactive`, `voucher_exhausted`, `voucher_customer_limit`, "
        "`voucher_minimum_subtotal`, `empty_cart` (409). A voucher is checked again at checkout.",
        request=_VOUCHER_BODY,
        responses={
            200: CartSerializer,
            **error_responses(
                400, codes={409: [EMPTY_CART, *VOUCHER_REFUSALS], 422: [VOUCHER_UNKNOWN]}
            ),
        },
    )
    def patch(self, request: Request) -> Response:
        data = VoucherSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        code = data.validated_data["voucher_code"] or ""
        if not code.strip():
            cart = self.caller_cart(request)
            services.remove_voucher(cart)
            return self.cart_response(cart)
        cart = self.caller_cart(request)
        user = request.user if request.user.is_authenticated else None
        try:
            if cart is None:
                raise CartError(
                    "Your cart is empty: add something before applying a voucher.", EMPTY_CART
                )
            services.apply_voucher(cart, code, user=user)
        except CartError as exc:
            raise cart_error(exc, _VOUCHER_STATUS) from exc
        return self.cart_response(cart)


class CartItemsView(CartMixin, APIView):
    @extend_schema(
        summary="Add a product to your cart",
        description="Adds `quantity` units on top of what the cart already holds. "
        "Codes: `unknown_product` (422: no such product on sale), `insufficient_stock` and "
        "`quantity_limit` (409: at most 99 of one product in a cart), `rate_limited` (429: too "
        "many new carts from one address; keep the session cookie).",
        request=AddItemSerializer,
        responses={
            201: CartSerializer,
            **error_responses(
                codes={
                    400: [],
                    409: ["insufficient_stock", QUANTITY_LIMIT],
                    422: ["unknown_product"],
                    429: ["rate_limited"],
                }
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = AddItemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            cart = self.caller_cart(request, create=True)
            services.add_item(
                cart, data.validated_data["product_id"], data.validated_data["quantity"]
            )
        except CartError as exc:
            raise add_error(exc) from exc
        return self.cart_response(cart, status.HTTP_201_CREATED)


# PATCH bodies are documented as all-optional ("Patched...") by drf-spectacular; here quantity
# is the whole point and is required, so the body is spelled out.
_SET_QUANTITY_BODY = {
    "application/json": {
        "type": "object",
        "properties": {
            "quantity": {"type": "integer", "minimum": MIN_QUANTITY, "maximum": MAX_QUANTITY}
        },
        "required": ["quantity"],
    }
}

_PRODUCT_ID = OpenApiParameter(
    "product_id", int, OpenApiParameter.PATH, description="Id of a product in your cart."
)


class CartItemView(CartMixin, APIView):
    @extend_schema(
        summary="Change the quantity of a product in your cart",
        description="Codes: `not_in_cart` (404), `insufficient_stock` and `unknown_product` "
        "(409: the product is no longer on sale).",
        parameters=[_PRODUCT_ID],
        request=_SET_QUANTITY_BODY,
        responses={
            200: CartSerializer,
            **error_responses(
                codes={
                    400: ["invalid_quantity"],
                    404: ["not_in_cart"],
                    409: ["insufficient_stock", "unknown_product"],
                }
            ),
        },
    )
    def patch(self, request: Request, product_id: int) -> Response:
        data = SetQuantitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = self.caller_cart(request)
        try:
            if cart is None:
                raise CartError("That product is not in your cart.", "not_in_cart")
            services.set_quantity(cart, product_id, data.validated_data["quantity"])
        except CartError as exc:
            raise cart_error(exc, _CHANGE_STATUS) from exc
        return self.cart_response(cart)

    @extend_schema(
        summary="Remove a product from your cart",
        parameters=[_PRODUCT_ID],
        request=None,
        responses={200: CartSerializer, **error_responses(codes={404: ["not_in_cart"]})},
    )
    def delete(self, request: Request, product_id: int) -> Response:
        cart = self.caller_cart(request)
        try:
            if cart is None:
                raise CartError("That product is not in your cart.", "not_in_cart")
            services.remove_item(cart, product_id)
        except CartError as exc:
            raise cart_error(exc, _CHANGE_STATUS) from exc
        return self.cart_response(cart)
