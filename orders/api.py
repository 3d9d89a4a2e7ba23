"""Order endpoints: checkout, the caller's orders (list, detail with live progress), cancel.

Thin over ``orders.services``. A caller sees only their own orders: a token or session user
those of their account, an anonymous session those it placed (numbers kept in the session).
Anything else is a 404, never a 403 that would reveal that the order exists.
"""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cart.services import get_cart
from orders import selectors
from orders.models import Order
from orders.payments import CardInvalid, CardToken, get_gateway
from orders.serializers import (
    CancelResultSerializer,
    CancelSerializer,
    CheckoutResultSerializer,
    CheckoutSerializer,
    OrderDetailSerializer,
    OrderListSerializer,
    PaymentOutcomeSerializer,
    PayResultSerializer,
    PaySerializer,
)
from orders.services.checkout import (
    CheckoutError,
    place_order,
    precheck,
    request_fingerprint,
    scoped_checkout_token,
)
from orders.services.limits import (
    check_payment_limits,
    count_guest_order,
    record_payment_outcome,
)
from orders.services.paying import pay_again, pay_at_checkout
from orders.services.tracking import TEMPORAL_DOWN_MESSAGE, cancel_order
from orders.status import OrderStatus
from promotions.services import VOUCHER_REFUSALS, VOUCHER_UNKNOWN
from shop.api_errors import ApiError, error_responses
from shop.api_policies import ScopedRateThrottle
from workflows.client import (
    PAYMENT_DECLINED,
    PaymentRefused,
    TemporalUnavailable,
    WorkflowNotFound,
)

NOT_WAITING = "This order is not waiting for a payment."
IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_RE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# CheckoutError codes that are the client's bad input (400); the rest are refusals (409).
_CHECKOUT_BAD_INPUT = {
    "invalid",
    "invalid_email",
    "invalid_address",
    "invalid_shipping_method",
    "invalid_token",
}
# The codes each status can carry (the schema's `code` enums; docs/API.md lists them).
CARD_CODES = ["invalid_number", "invalid_expiry", "expired_card", "invalid_cvc"]
CHECKOUT_CODES = {
    400: ["idempotency_key_required", *sorted(_CHECKOUT_BAD_INPUT - {"invalid"})],
    409: [
        "empty_cart",
        "insufficient_stock",
        "cart_changed",
        "number_exhausted",
        *VOUCHER_REFUSALS,
    ],
    422: ["idempotency_key_reused", VOUCHER_UNKNOWN, *CARD_CODES],
    429: ["rate_limited"],
}


def tokenize(card: dict) -> CardToken:
    return get_gateway().tokenize(card["number"], card["exp_month"], card["exp_year"], card["cvc"])


def _checkout_error_status(code: str) -> int:
    if code in ("idempotency_key_reused", VOUCHER_UNKNOWN):  # as Stripe: the key belongs to
        return 422  # another request; a code that does not exist is well-formed yet unusable
    if code == "rate_limited":
        return 429
    return 400 if code in _CHECKOUT_BAD_INPUT else 409


def checkout_token_for(request: Request, key: str) -> str:
    return scoped_checkout_token(request, key, prefix="api")


def detail_data(request: Request, order: Order, with_progress: bool = True) -> dict:
    progress = selectors.live_progress(order) if with_progress else None
    return OrderDetailSerializer(order, context={"request": request, "progress": progress}).data


# --- Checkout ----------------------------------------------------------------------------------


class CheckoutView(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "checkout"

    @extend_schema(
        summary="Place an order from your cart",
        description=(
            "Turns the caller's cart into an order. The `Idempotency-Key` header is required: "
            "repeating a request with the same key returns the order placed the first time "
            "(200 instead of 201) and never places a second one; the same key with a different "
            "body is refused (422 `idempotency_key_reused`). The answer waits (a few "
            "seconds at most) for the card: `payment.status` is `authorized`, `declined` (the "
            "order waits: pay again with `POST /api/orders/{number}/pay/`), `failed`, or "
            "`pending` when the order system did not answer in time (the order is kept and "
            "processed; follow it with `GET /api/orders/{number}/`). A card the gateway can't "
            "use is 422 (`invalid_number`, `invalid_expiry`, `expired_card`, `invalid_cvc`); an "
            "empty cart or sold-out lines are 409 (`empty_cart`, `insufficient_stock`). "
            "`voucher_code` applies a voucher (without it, the cart's voucher applies); one "
            "that can't be used is 409 (`voucher_expired`, `voucher_exhausted`...: nothing is "
            "placed, a cart's voucher is removed) or 422 `voucher_unknown`."
        ),
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                pattern=_IDEMPOTENCY_RE.pattern,
                description="A unique key per order attempt (8-64 of A-Z a-z 0-9 . _ : -), "
                "e.g. a UUID. Reuse it when retrying the same checkout.",
            )
        ],
        request=CheckoutSerializer,
        responses={
            201: OpenApiResponse(CheckoutResultSerializer, description="Order placed."),
            200: OpenApiResponse(
                CheckoutResultSerializer, description="Already placed with this key."
            ),
            **error_responses(codes=CHECKOUT_CODES),
        },
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not _IDEMPOTENCY_RE.match(key):
            raise ApiError(
                400,
                "idempotency_key_required",
                f"Send an {IDEMPOTENCY_HEADER} header (8-64 letters, digits or . _ : -), "
                "e.g. a UUID, and reuse it when retrying.",
            )
        user = request.user if request.user.is_authenticated else None
        data = CheckoutSerializer(data=request.data, context={"user": user})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        cart = get_cart(request)
        checkout_token = checkout_token_for(request, key)
        try:
            # The cart and the limits first; the card goes to the gateway last.
            token = None
            if precheck(cart, checkout_token) is None:
                check_payment_limits(request._request, values["email"], user)
                token = tokenize(values["card"])
            result = place_order(
                cart=cart,
                email=values["email"],
                shipping_address=dict(values["shipping_address"]),
                shipping_method=values["shipping_method"],
                card=token,
                checkout_token=checkout_token,
                user=user,
                start_workflow=False,
                request_fingerprint=request_fingerprint(request.data),
                voucher_code=values.get("voucher_code"),
            )
        except CardInvalid as exc:  # well-formed, yet no usable card: semantically invalid
            raise ApiError(422, exc.code, exc.message) from exc
        except CheckoutError as exc:
            raise ApiError(_checkout_error_status(exc.code), exc.code, exc.message) from exc
        order = result.order
        if user is None:
            selectors.remember_order(request.session, order.number)
        if result.created:
            count_guest_order(values["email"], user)
        outcome = pay_at_checkout(order)
        record_payment_outcome(request._request, declined=outcome.status == PAYMENT_DECLINED)
        order = selectors.order_detail(Order.objects.filter(pk=order.pk), payments=False).get()
        body = detail_data(request, order, with_progress=False)
        body["payment"] = PaymentOutcomeSerializer(outcome).data
        return Response(
            body,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
            headers={"Location": reverse("api-order-detail", kwargs={"number": order.number})},
        )


# --- Orders ------------------------------------------------------------------------------------

_NUMBER = OpenApiParameter(
    "number",
    str,
    OpenApiParameter.PATH,
    pattern=r"^[A-Za-z0-9-]{1,20}$",
    description="The order number.",
)


@extend_schema_view(
    list=extend_schema(
        summary="Your orders, newest first",
        responses={200: OrderListSerializer(many=True), **error_responses(404)},
    ),
    retrieve=extend_schema(
        summary="One of your orders with lines, events and live progress",
        description="`progress` comes from the order's workflow and is `null` when the order "
        "system can't be asked right now; everything else comes from the database.",
        parameters=[_NUMBER],
        responses={200: OrderDetailSerializer, **error_responses(404)},
    ),
)
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9-]{1,20}"

    def get_queryset(self) -> QuerySet[Order]:
        orders = selectors.api_orders(self.request)
        if self.action == "list":
            return selectors.order_list(orders)
        return selectors.order_detail(orders, payments=False)

    def get_serializer_class(self):
        return OrderListSerializer if self.action == "list" else OrderDetailSerializer

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return Response(detail_data(request, self.get_object()))

    @extend_schema(
        summary="Cancel one of your orders",
        description="Goes through the order's workflow (refund and stock release have run when "
        "this answers `cancelled: true`). Refused (already shipped, finished) is 409 "
        "`cancel_refused` with the reason; order system unreachable is 503.",
        parameters=[_NUMBER],
        request=CancelSerializer,
        responses={
            200: CancelResultSerializer,
            **error_responses(400, 404, 503, codes={409: ["cancel_refused"]}),
        },
    )
    @action(detail=True, methods=["post"], url_path="cancel")
    def cancel(self, request: Request, number: str) -> Response:
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = self.get_object()
        actor = request.user.email if request.user.is_authenticated else "customer"
        reason = data.validated_data["reason"]  # kept for staff, never emailed
        outcome = cancel_order(order, actor=actor, reason=reason)
        if not outcome.ok:
            if outcome.message == TEMPORAL_DOWN_MESSAGE:
                raise ApiError(503, "temporarily_unavailable", outcome.message)
            raise ApiError(409, "cancel_refused", outcome.message)
        order = selectors.order_detail(Order.objects.filter(pk=order.pk), payments=False).get()
        return Response(
            {
                "cancelled": True,
                "detail": outcome.message,
                "order": detail_data(request, order, with_progress=False),
            }
        )

    @extend_schema(
        summary="Pay again after a declined card",
        description="Only while the order's status is `awaiting_payment`; otherwise 409 "
        "`payment_refused`. Waits (a few seconds at most) for the new card's answer: "
        "`payment.status` is `authorized`, `declined` (try yet another card), `failed` or "
        "`pending`. Card errors are 422 as at checkout; too many attempts or declines in a "
        "row are 429 `rate_limited`; order system unreachable is 503.",
        parameters=[_NUMBER],
        request=PaySerializer,
        responses={
            200: PayResultSerializer,
            **error_responses(
                400,
                404,
                503,
                codes={409: ["payment_refused"], 422: CARD_CODES, 429: ["rate_limited"]},
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="pay")
    def pay(self, request: Request, number: str) -> Response:
        data = PaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = self.get_object()
        if order.status != OrderStatus.AWAITING_PAYMENT:
            raise ApiError(409, "payment_refused", NOT_WAITING)
        try:
            check_payment_limits(request._request)
            outcome = pay_again(order, tokenize(data.validated_data["card"]))
        except CheckoutError as exc:
            raise ApiError(429, exc.code, exc.message) from exc
        except CardInvalid as exc:  # well-formed, yet no usable card: semantically invalid
            raise ApiError(422, exc.code, exc.message) from exc
        except PaymentRefused as exc:
            raise ApiError(409, "payment_refused", NOT_WAITING) from exc
        except (TemporalUnavailable, WorkflowNotFound) as exc:
            raise ApiError(503, "temporarily_unavailable", TEMPORAL_DOWN_MESSAGE) from exc
        record_payment_outcome(request._request, declined=outcome.status == PAYMENT_DECLINED)
        order = selectors.order_detail(Order.objects.filter(pk=order.pk), payments=False).get()
        return Response(
            {
                "payment": PaymentOutcomeSerializer(outcome).data,
                "order": detail_data(request, order, with_progress=False),
            }
        )
