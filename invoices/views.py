"""Downloads of an order's invoice and credit notes for whoever may see the order's page
(``orders.selectors.visible_order``: owner, order staff, the browser that placed it or opened
its signed link); a 404 for everyone else and while there is no such document."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from invoices import selectors as documents
from invoices.responses import pdf_response
from orders import selectors
from orders.models import Order
from shop.middleware import private_no_store


def _order_or_404(request: HttpRequest, number: str) -> Order:
    order = selectors.visible_order(request, number)
    if order is None:
        raise Http404("No such order.")
    return order


@require_GET
@private_no_store
def invoice_download(request: HttpRequest, number: str) -> HttpResponse:
    invoice = documents.invoice_of(_order_or_404(request, number))
    if invoice is None:
        raise Http404("This order has no invoice yet.")
    return pdf_response(invoice)


@require_GET
@private_no_store
def credit_note_download(request: HttpRequest, number: str, credit_number: str) -> HttpResponse:
    note = documents.credit_note_of(_order_or_404(request, number), credit_number)
    if note is None:
        raise Http404("No such credit note.")
    return pdf_response(note)
