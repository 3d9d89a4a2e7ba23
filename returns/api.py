"""Return endpoints: ``POST/GET /api/orders/<n>/returns/``, ``GET /api/orders/<n>/returns/<r>/``.

Thin over ``returns.services``. The caller's own orders only (account, the session's guest
orders, or an order this session opened by its signed link); anything else is a 404.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.models import Order
from returns import selectors
from returns.errors import ReturnRefused
from returns.models import ReturnRequest
from returns.serializers import ReturnCreateSerializer, ReturnSerializer
from returns.services.requesting import request_return
from shop.api_errors import ApiError, error_responses

# Refusals by the order's state (409) and by what was asked for (422): docs/API.md.
REFUSED_409 = ["not_delivered", "outside_window", "already_returned"]
REFUSED_422 = [
    "nothing_selected",
    "too_many",
    "unknown_line",
    "invalid_quantity",
    "reason_required",
]
RETURN_CODES = {409: REFUSED_409, 422: REFUSED_422}

_NUMBER = OpenApiParameter(
    "number", str, OpenApiParameter.PATH, pattern=r"^[A-Za-z0-9-]{1,20}$", description="Order."
)
_RETURN = OpenApiParameter(
    "return_number",
    str,
    OpenApiParameter.PATH,
    pattern=r"^[A-Za-z0-9-]{1,30}$",
    description="The return's number, `<order>-RT<k>`.",
)


def _order(request: Request, number: str) -> Order:
    order = selectors.api_order(request, number)
    if order is None:
        raise ApiError(404, "not_found", "Not found.")
    return order


def _data(ret: ReturnRequest, *, live: bool = False) -> dict:
    progress = {ret.number: selectors.live_progress(ret)} if live else {}
    return ReturnSerializer(ret, context={"progress": progress}).data


class OrderReturnsView(APIView):
    @extend_schema(
        summary="The returns of one of your orders",
        parameters=[_NUMBER],
        responses={200: ReturnSerializer(many=True), **error_responses(404)},
    )
    def get(self, request: Request, number: str) -> Response:
        order = _order(request, number)
        return Response([_data(ret) for ret in selectors.order_returns(order)])

    @extend_schema(
        summary="Return items of one of your delivered orders",
        description=(
            "Within the return window after delivery (`RETURN_WINDOW_DAYS`, 30 by default), "
            "name the items by `sku` with the units to send back, and a reason. The answer "
            "(201) carries the return's number, the instructions and the return tracking "
            "number; the return is approved at once unless the shop reviews returns, and "
            "expires unless sent back by `ship_by`. Refused, with nothing saved: 409 "
            "`not_delivered`, `outside_window`, `already_returned` (those units are already "
            "returned or in a return); 422 `nothing_selected`, `too_many` (more than "
            "delivered), `unknown_line`, `invalid_quantity`, `reason_required`."
        ),
        parameters=[_NUMBER],
        request=ReturnCreateSerializer,
        responses={
            201: OpenApiResponse(ReturnSerializer, description="Return registered."),
            **error_responses(400, 404, codes=RETURN_CODES),
        },
    )
    def post(self, request: Request, number: str) -> Response:
        order = _order(request, number)
        data = ReturnCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        by_sku = {sku: pk for pk, sku in order.lines.values_list("pk", "sku")}
        quantities: dict[int, int] = {}
        for line in data.validated_data["lines"]:
            if line["sku"] not in by_sku:
                raise ApiError(422, "unknown_line", f"No item {line['sku']!r} in this order.")
            quantities[by_sku[line["sku"]]] = line["quantity"]
        actor = request.user.email if request.user.is_authenticated else "customer"
        try:
            ret = request_return(
                order.number, quantities, data.validated_data["reason"], actor=actor
            )
        except ReturnRefused as exc:
            raise ApiError(409 if exc.code in REFUSED_409 else 422, exc.code, exc.message) from exc
        ret = selectors.return_of(order, ret.number)
        location = reverse(
            "api-order-return", kwargs={"number": number, "return_number": ret.number}
        )
        return Response(_data(ret), status=status.HTTP_201_CREATED, headers={"Location": location})


class OrderReturnView(APIView):
    @extend_schema(
        summary="One return of one of your orders, with its live progress",
        description="`progress` comes from the return's workflow: `null` once the return is "
        "finished or when the order system can't be asked right now.",
        parameters=[_NUMBER, _RETURN],
        responses={200: ReturnSerializer, **error_responses(404)},
    )
    def get(self, request: Request, number: str, return_number: str) -> Response:
        order = _order(request, number)
        ret = selectors.return_of(order, return_number)
        if ret is None:
            raise ApiError(404, "not_found", "Not found.")
        return Response(_data(ret, live=True))
