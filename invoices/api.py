"""``GET /api/orders/<number>/invoice/``: the caller's order's invoice as a PDF download.

Who may ask is the API's rule for orders (``orders.selectors.api_orders``): 404 for an order
that is not the caller's, and 404 while the order has no invoice yet (it is issued once the
payment is captured, when the parcel ships).
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.views import APIView

from invoices import selectors as documents
from invoices.responses import pdf_response
from orders import selectors
from shop.api_errors import ApiError, error_responses

_NUMBER = OpenApiParameter(
    "number",
    str,
    OpenApiParameter.PATH,
    pattern=r"^[A-Za-z0-9-]{1,20}$",
    description="The order number.",
)


class FirstRenderer(BaseContentNegotiation):
    """The answer is a PDF, or a JSON error: whatever ``Accept`` says (a client asking for
    ``application/pdf`` still gets its 404 as JSON, not a 406)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class OrderInvoiceView(APIView):
    content_negotiation_class = FirstRenderer

    @extend_schema(
        summary="Download your order's invoice",
        description="The invoice as a PDF (`Content-Disposition: attachment`). It exists once "
        "the payment was captured (when the parcel ships); before that, and for an order that "
        "is not yours, the answer is 404 `not_found`.",
        parameters=[_NUMBER],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The invoice (PDF)."
            ),
            **error_responses(404),
        },
    )
    def get(self, request: Request, number: str) -> HttpResponse:
        order = selectors.api_orders(request).filter(number=number).first()
        if order is None:
            raise ApiError(404, "not_found", "No such order.")
        invoice = documents.invoice_of(order)
        if invoice is None:
            raise ApiError(404, "not_found", "This order has no invoice yet.")
        return pdf_response(invoice)
