"""Invoices and credit notes printed as PDF with ReportLab.

ReportLab because it installs as pure-Python wheels (no Pango, Cairo or fonts from the system,
as WeasyPrint needs), renders a page in milliseconds (the counter row stays locked while the
PDF is made, see ``invoices.services``) and is a long-kept library. The text is in the order's
language; every amount goes through ``shop.money.format_money``. The built-in Helvetica covers
Latin-1 and the euro sign: names in other scripts print as boxes (docs/INVOICES.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from invoices.content import Content, Party
from shop.money import format_money

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"

BASE = ParagraphStyle("base", fontName="Helvetica", fontSize=9, leading=12)
SMALL = ParagraphStyle("small", parent=BASE, fontSize=7.5, leading=9.5, textColor=colors.grey)
BOLD = ParagraphStyle("bold", parent=BASE, fontName="Helvetica-Bold")
TITLE = ParagraphStyle("title", parent=BASE, fontName="Helvetica-Bold", fontSize=16, leading=20)
RIGHT = ParagraphStyle("right", parent=BASE, alignment=2)
RIGHT_BOLD = ParagraphStyle("right_bold", parent=BOLD, alignment=2)
WIDTH = A4[0] - 40 * mm - 12  # the page's frame keeps 6 pt padding on each side
# Widths of the lines table's number columns; the item's name takes the rest.
COLUMNS = {"qty": 12 * mm, "money": 22 * mm, "rate": 15 * mm}


@dataclass(frozen=True)
class Heading:
    """What only the finished document knows: its kind, number and date (and, for a credit
    note, the invoice it corrects)."""

    kind: str
    number: str
    issued_on: date
    invoice_number: str = ""
    invoice_date: date | None = None


def render(content: Content, heading: Heading) -> bytes:
    """The document as PDF bytes, in the order's language."""
    with translation.override(content.language):
        title = _document_title(heading)
        buffer = BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=18 * mm,
            bottomMargin=22 * mm,
            title=title,
            author=settings.SHOP_SELLER_NAME,
            subject=_("Order %(number)s") % {"number": content.order_number},
            lang=content.language,
        )
        story = [
            _parties(content.seller, content.buyer),
            Spacer(1, 10 * mm),
            Paragraph(escape(title), TITLE),
            Spacer(1, 3 * mm),
            _facts(content, heading),
            Spacer(1, 6 * mm),
            _lines(content, credit=heading.kind == CREDIT_NOTE),
            Spacer(1, 4 * mm),
            _totals(content, credit=heading.kind == CREDIT_NOTE),
            Spacer(1, 6 * mm),
            *[Paragraph(escape(note), BASE) for note in _notes(content, heading)],
        ]
        footer = _footer()
        doc.build(
            story,
            onFirstPage=lambda canvas, d: _draw_footer(canvas, d, footer),
            onLaterPages=lambda canvas, d: _draw_footer(canvas, d, footer),
        )
    return buffer.getvalue()


def _document_title(heading: Heading) -> str:
    if heading.kind == CREDIT_NOTE:
        return _("Credit note %(number)s") % {"number": heading.number}
    return _("Invoice %(number)s") % {"number": heading.number}


def _day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _party(party: Party, label: str) -> list[Paragraph]:
    rows = [Paragraph(escape(label), SMALL), Paragraph(escape(party.name), BOLD)]
    rows += [Paragraph(escape(line), BASE) for line in (*party.address, *party.details)]
    if party.vat_id:
        rows.append(Paragraph(escape(_("VAT ID %(id)s") % {"id": party.vat_id}), BASE))
    return rows


def _parties(seller: Party, buyer: Party) -> Table:
    table = Table(
        [[_party(buyer, _("Bill to")), _party(seller, _("Seller"))]],
        colWidths=[WIDTH * 0.55, WIDTH * 0.45],
    )
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return table


def _facts(content: Content, heading: Heading) -> Table:
    label = _("Credit note date") if heading.kind == CREDIT_NOTE else _("Invoice date")
    rows = [
        (label, _day(heading.issued_on)),
        (_("Order"), content.order_number),
        (_("Order date"), _day(content.order_date)),
    ]
    if content.shipped_on is not None:
        rows.append((_("Delivery date"), _day(content.shipped_on)))
    if heading.invoice_number:
        invoice = heading.invoice_number
        if heading.invoice_date is not None:
            invoice = f"{invoice} ({_day(heading.invoice_date)})"
        rows.append((_("Corrects invoice"), invoice))
    table = Table(
        [[Paragraph(escape(k), SMALL), Paragraph(escape(v), BASE)] for k, v in rows],
        colWidths=[35 * mm, WIDTH - 35 * mm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    return table


def _rate(rate: Decimal) -> str:
    text = formats.number_format(rate.normalize(), use_l10n=True)
    return f"{text}\u00a0%"


def _lines(content: Content, *, credit: bool) -> Table:
    sign = -1 if credit else 1
    money = content.currency
    discounts = any(line.discount for line in content.lines)
    header, widths = [_("Item"), _("Qty")], [COLUMNS["qty"]]
    if not credit:
        header.append(_("Unit price"))
        widths.append(COLUMNS["money"])
    if discounts:
        header.append(_("Discount"))
        widths.append(COLUMNS["money"])
    header += [_("VAT"), _("Net"), _("Total")]
    widths += [COLUMNS["rate"], COLUMNS["money"], COLUMNS["money"]]
    rows: list[list] = [
        [Paragraph(escape(h), BOLD if i == 0 else RIGHT_BOLD) for i, h in enumerate(header)]
    ]
    for line in content.lines:
        item = escape(line.description)
        if line.sku:
            item += f'<br/><font size="7.5" color="grey">{escape(line.sku)}</font>'
        cells = [str(line.quantity)]
        if not credit:
            cells.append(format_money(line.unit_price, money))
        if discounts:
            cells.append(format_money(-line.discount, money) if line.discount else "")
        cells += [
            _rate(line.tax_rate),
            format_money(sign * line.net, money),
            format_money(sign * line.gross, money),
        ]
        rows.append([Paragraph(item, BASE), *[Paragraph(escape(c), RIGHT) for c in cells]])
    table = Table(rows, colWidths=[WIDTH - sum(widths), *widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _totals(content: Content, *, credit: bool) -> Table:
    sign = -1 if credit else 1
    money = content.currency
    rows = [(_("Net total"), format_money(sign * content.net_total, money), False)]
    for row in content.tax_rows:
        label = _("VAT %(rate)s on %(net)s") % {
            "rate": _rate(row.rate),
            "net": format_money(sign * row.net, money),
        }
        rows.append((label, format_money(sign * row.tax, money), False))
    total_label = _("Total credited") if credit else _("Total")
    rows.append((total_label, format_money(sign * content.total, money), True))
    table = Table(
        [
            [
                Paragraph(escape(k), RIGHT_BOLD if bold else RIGHT),
                Paragraph(escape(v), RIGHT_BOLD if bold else RIGHT),
            ]
            for k, v, bold in rows
        ],
        colWidths=[70 * mm, 30 * mm],
        hAlign="RIGHT",
    )
    table.setStyle(
        TableStyle(
            [
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _notes(content: Content, heading: Heading) -> list[str]:
    notes = []
    if content.voucher_code and content.discount_total and heading.kind == INVOICE:
        notes.append(
            _("Voucher %(code)s: %(amount)s, already deducted from the lines above.")
            % {
                "code": content.voucher_code,
                "amount": format_money(-content.discount_total, content.currency),
            }
        )
    if heading.kind == INVOICE and content.paid_on is not None:
        if content.card:
            notes.append(
                _("Paid on %(date)s by card (%(card)s). Thank you for your order.")
                % {"date": _day(content.paid_on), "card": content.card}
            )
        else:
            notes.append(
                _("Paid on %(date)s. Thank you for your order.") % {"date": _day(content.paid_on)}
            )
    if heading.kind == CREDIT_NOTE:  # the reason is staff's words: kept on the row, not printed
        notes.append(_("The amount credited is refunded to the card used for the order."))
    return notes


def _footer() -> str:
    parts = [settings.SHOP_SELLER_NAME, *settings.SHOP_SELLER_ADDRESS]
    if settings.SHOP_SELLER_VAT_ID:
        parts.append(_("VAT ID %(id)s") % {"id": settings.SHOP_SELLER_VAT_ID})
    parts += list(settings.SHOP_SELLER_LEGAL)
    return " · ".join(parts)


def _draw_footer(canvas, doc, footer: str) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 7)
    canvas.setFillColor(colors.grey)
    canvas.drawString(20 * mm, 12 * mm, footer[:160])
    canvas.drawRightString(A4[0] - 20 * mm, 12 * mm, _("Page %(page)s") % {"page": doc.page})
    canvas.restoreState()
