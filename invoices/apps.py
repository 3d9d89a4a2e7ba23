"""Invoices and credit notes: gap-free numbers and PDFs."""

from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "invoices"
    verbose_name = "Invoices"
