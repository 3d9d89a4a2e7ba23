"""The one way a stored invoice or credit note leaves the shop over HTTP (pages, API, admin)."""

from __future__ import annotations

from django.http import HttpResponse

from invoices.models import CreditNote, Invoice


def pdf_response(document: Invoice | CreditNote) -> HttpResponse:
    """The stored PDF as a download (``attachment``: a browser saves it, never renders it in
    the shop's origin); never cached by a shared cache."""
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
