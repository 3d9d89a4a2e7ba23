"""Invoices and credit notes as issued: numbered once, never changed, their PDF kept with them.

Numbers come from one ``DocumentCounter`` row per (series, year), locked (``shop.locks.
document_counter``) in the transaction that writes the document: a rolled-back transaction
gives its number back with it, so the numbers of a year have no gaps and no repeats.

The PDF is stored in the row (``BinaryField``), not as a file under ``MEDIA_ROOT``: it is
written in the same transaction as the number (never a number without its PDF, nor a stray
file from a rolled-back one), the web and worker containers need no shared volume, and the
database backup holds the invoices the law asks the shop to keep. A one-page PDF is a few KB.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from orders.models import Order


class DocumentCounter(models.Model):
    """The last number handed out in one series and year (locked while a number is taken)."""

    class Series(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        CREDIT_NOTE = "credit_note", "Credit note"

    series = models.CharField(max_length=20, choices=Series.choices)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="document_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last_number}"


class Document(models.Model):
    """What invoices and credit notes share: the number, the totals, the PDF."""

    number = models.CharField(max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField(help_text="The number within its series and year.")
    issued_at = models.DateTimeField(default=timezone.now)
    currency = models.CharField(max_length=3)
    net_total = models.DecimalField(max_digits=12, decimal_places=2)
    tax_total = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    tax_breakdown = models.JSONField(
        default=list, help_text='[{"rate": "19.00", "net": "..", "tax": ".."}], as strings.'
    )
    lines = models.JSONField(default=list, help_text="The lines as printed, amounts as strings.")
    pdf = models.BinaryField(editable=False)

    class Meta:
        abstract = True
        ordering = ["year", "sequence"]

    def __str__(self) -> str:
        return self.number

    @property
    def filename(self) -> str:
        raise NotImplementedError


class Invoice(Document):
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="invoice")

    class Meta(Document.Meta):
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_unique_sequence"),
        ]

    @property
    def filename(self) -> str:
        return f"invoice-{self.number}.pdf"


class CreditNote(Document):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="credit_notes")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    reference = models.CharField(
        max_length=40, unique=True, help_text="The refund's number: one credit note per refund."
    )
    reason = models.TextField(blank=True)

    class Meta(Document.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["year", "sequence"], name="credit_note_unique_sequence"
            ),
        ]

    @property
    def filename(self) -> str:
        return f"credit-note-{self.number}.pdf"
