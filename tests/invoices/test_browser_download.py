"""The customer's invoice download in a real Chromium: a guest opens the order link from the
email, clicks "Download invoice" and gets the PDF, which reads back with the invoice number."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from invoices import services
from orders.links import signed_order_path
from tests.e2e.conftest import chromium_path, page  # noqa: F401 - the browser fixtures
from tests.invoices.factories import captured_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_guest_downloads_the_invoice_from_the_order_page(page, live_server, tmp_path):  # noqa: F811
    # given a shipped guest order with its invoice, and the signed link from its email
    order = captured_order(status="shipped")
    number = services.issue_invoice(order.number)

    # when the guest opens the link and clicks "Download invoice"
    page.goto(live_server.url + signed_order_path(order.number))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download invoice").click()
    download = download_info.value
    saved = Path(tmp_path) / download.suggested_filename
    download.save_as(saved)

    # then the browser saved invoice-<number>.pdf, which opens and names the invoice
    assert download.suggested_filename == f"invoice-{number}.pdf"
    assert f"Invoice {number}" in PdfReader(saved).pages[0].extract_text()
