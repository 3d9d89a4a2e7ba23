"""Staff refund endpoint: ``GET``/``POST /api/orders/<number>/refunds/``.

Only order staff (the admin's view permission on orders to list, change permission to refund).
Anyone else gets 404 for an order they can't see, 403 for one they can (their own): the
refunds of an order are never shown to its customer here (the order page shows them).
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orders import selectors
from orders.models import Order
from refunds.selectors import order_refunds
from refunds.serializers import RefundRequestSerializer, RefundSerializer
from refunds.services import RefundRefused, request_refund
from shop.api_errors import ApiError, error_responses

# Service refusals: the caller's input does not fit the order (422) or the order's state (409).
INPUT_CODES = ["invalid_amount", "invalid_line", "invalid_quantity", "reason_required"]
STATE_CODES = ["not_captured", "not_refundable_yet", "over_refund", "shipping_refunded"]

_NUMBER = OpenApiParameter(
    "number",
    str,
    OpenApiParameter.PATH,
    pattern=r"^[A-Za-z0-9-]{1,20}$",
    description="The order number.",
)


def _order(request: Request, number: str, *, change: bool) -> Order:
    user = request.user
    if selectors.is_order_staff(user):
        order = Order.objects.filter(number=number).first()
        if order is None:
            raise exceptions.NotFound()
        if change and not user.has_perm("orders.change_order"):
            raise exceptions.PermissionDenied()
        return order
    if selectors.api_orders(request).filter(number=number).exists():
        raise exceptions.PermissionDenied("Only staff can see and make refunds.")
    raise exceptions.NotFound()


class OrderRefundsView(APIView):
    @extend_schema(
        summary="An order's refunds (staff)",
        parameters=[_NUMBER],
        responses={200: RefundSerializer(many=True), **error_responses(404)},
    )
    def get(self, request: Request, number: str) -> Response:
        order = _order(request, number, change=False)
        refunds: QuerySet = order_refunds(order)
        return Response(RefundSerializer(refunds, many=True).data)

    @extend_schema(
        summary="Refund part of an order (staff)",
        description="Give back units of lines (`lines`), the shipping (`include_shipping`) and/or "
        "a free amount with a `reason`, on an order that was paid and delivered (`completed` or "
        "`partially_refunded`). Amounts are the lines' stored prices (tax shared in "
        "proportion). The refund is saved at once (201, `status: requested`) and carried out "
        "by its own workflow: provider refund, credit note, customer email. Refused: more "
        "than is left of what was captured (409 `over_refund`), an order not paid "
        "(`not_captured`) or not delivered yet (`not_refundable_yet`), the shipping twice "
        "(`shipping_refunded`); a line not in the order, more units than are left, a free "
        "amount without a reason, nothing chosen (422).",
        parameters=[_NUMBER],
        request=RefundRequestSerializer,
        responses={
            201: OpenApiResponse(RefundSerializer, description="Refund saved and started."),
            **error_responses(400, 404, codes={409: STATE_CODES, 422: INPUT_CODES}),
        },
    )
    def post(self, request: Request, number: str) -> Response:
        order = _order(request, number, change=True)
        data = RefundRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            refund = request_refund(
                order.number,
                lines={line["line_id"]: line["quantity"] for line in values["lines"]},
                include_shipping=values["include_shipping"],
                amount=values["amount"],
                reason=values["reason"],
                actor=request.user.email,
            )
        except RefundRefused as exc:
            code = 422 if exc.code in INPUT_CODES else 409
            raise ApiError(code, exc.code, exc.message) from exc
        refund = order_refunds(order).get(pk=refund.pk)
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)
