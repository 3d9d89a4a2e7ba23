"""Staff view of invoices and credit notes: read-only lists with a PDF download, and inlines
for the order's page. Documents are issued by the order's workflow and refunds, never by a
form, and never changed or deleted (they must be kept)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from invoices.models import CreditNote, Invoice
from invoices.responses import pdf_response
from shop.admin_inlines import ReadOnlyTabularInline
from shop.money import format_money


def _download_url(document: Invoice | CreditNote) -> str:
    meta = document._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_pdf", args=[document.pk])


@admin.display(description="PDF")
def download_link(document: Invoice | CreditNote) -> SafeString | str:
    if document.pk is None:
        return "-"
    return format_html('<a href="{}">{}</a>', _download_url(document), document.filename)


@admin.display(description="Total")
def total_display(document: Invoice | CreditNote) -> str:
    return format_money(document.total, document.currency)


class ReadOnlyDocumentAdmin(admin.ModelAdmin):
    list_display = ("number", "order", total_display, "issued_at", download_link)
    search_fields = ("number", "order__number", "order__email")
    list_select_related = ("order",)
    date_hierarchy = "issued_at"
    ordering = ("-issued_at", "-pk")
    exclude = ("pdf",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer("pdf")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        fields = [f.name for f in self.model._meta.fields if f.name not in ("id", "pdf")]
        return [*fields, total_display, download_link]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self):
        meta = self.model._meta
        return [
            path(
                "<int:pk>/pdf/",
                self.admin_site.admin_view(self.download),
                name=f"{meta.app_label}_{meta.model_name}_pdf",
            ),
            *super().get_urls(),
        ]

    def download(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = self.model.objects.filter(pk=pk).first()
        if document is None:
            raise Http404("No such document.")
        return pdf_response(document)


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyDocumentAdmin):
    pass


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyDocumentAdmin):
    list_display = (
        "number",
        "reference",
        "invoice",
        "order",
        total_display,
        "issued_at",
        download_link,
    )
    search_fields = ("number", "reference", "invoice__number", "order__number")
    list_select_related = ("order", "invoice")


class DocumentInline(ReadOnlyTabularInline):
    """The order page's row(s) of documents, with a download link."""

    show_change_link = True
    fields = ("number", "issued_at", total_display, download_link)
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer("pdf")


class InvoiceInline(DocumentInline):
    model = Invoice


class CreditNoteInline(DocumentInline):
    model = CreditNote
    fk_name = "order"
    fields = ("number", "reference", "issued_at", total_display, download_link)
    readonly_fields = fields
