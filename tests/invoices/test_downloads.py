"""Downloading an order's invoice and credit notes: from the order's page (owner, the browser
that placed it, a signed link's visitor, order staff), from the API (the caller's orders) and
from the admin (staff). 404 for everyone else and while there is no document."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from invoices import services
from invoices.models import CreditNote, Invoice
from invoices.types import CreditLine
from orders.links import signed_order_path
from orders.selectors import remember_order
from tests.factories import StaffFactory, UserFactory
from tests.invoices.factories import captured_order

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
INVOICE = f"invoice-{YEAR}-000001.pdf"


@pytest.fixture
def owner():
    return UserFactory(email="ada@example.com")


@pytest.fixture
def invoiced(owner):
    """An order of ``owner`` with its invoice and one credit note (partly refunded)."""
    order = captured_order(user=owner, email=owner.email, status="partially_refunded")
    services.issue_invoice(order.number)
    line = CreditLine(
        "Blue Mug", 1, Decimal("10.50"), Decimal("19.00"), Decimal("2.00"), Decimal("12.50")
    )
    services.issue_credit_note(order.number, f"{order.number}-R1", [line])
    return order


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_pdf_download(response, filename: str, stored: bytes) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    assert response.content == stored


def test_the_owner_downloads_the_invoice_and_the_credit_note(invoiced, owner):
    # given the order's owner, logged in
    client = logged_in(owner)

    # when they download the invoice and the credit note from the order's page links
    invoice = client.get(f"/orders/{invoiced.number}/invoice/")
    note = client.get(f"/orders/{invoiced.number}/credit-notes/CN-{YEAR}-000001/")

    # then both are the stored PDFs, as attachments
    assert_pdf_download(invoice, INVOICE, bytes(Invoice.objects.get().pdf))
    assert_pdf_download(
        note, f"credit-note-CN-{YEAR}-000001.pdf", bytes(CreditNote.objects.get().pdf)
    )


def test_the_order_page_links_the_invoice_and_credit_notes(invoiced, owner):
    # given the owner / when they open the order's page
    page = logged_in(owner).get(f"/orders/{invoiced.number}/").content.decode()

    # then it offers the invoice and the credit note for download
    assert f'href="/orders/{invoiced.number}/invoice/"' in page
    assert "Download invoice" in page
    assert f'href="/orders/{invoiced.number}/credit-notes/CN-{YEAR}-000001/"' in page
    assert f"Download credit note CN-{YEAR}-000001" in page


def test_an_order_without_invoice_shows_no_link_and_its_download_is_404(owner):
    # given an order whose money was not taken yet
    order = captured_order(user=owner, email=owner.email)
    client = logged_in(owner)

    # when the owner opens its page and the invoice's address
    page = client.get(f"/orders/{order.number}/").content.decode()
    download = client.get(f"/orders/{order.number}/invoice/")

    # then there is no link, and the address is a 404
    assert "Download invoice" not in page
    assert download.status_code == 404


def test_the_browser_that_placed_a_guest_order_downloads_its_invoice(invoiced):
    # given a guest's browser that placed the order (its number is in the session)
    client = Client()
    session = client.session
    remember_order(session, invoiced.number)
    session.save()

    # when it downloads the invoice / then it gets it
    assert_pdf_download(
        client.get(f"/orders/{invoiced.number}/invoice/"), INVOICE, bytes(Invoice.objects.get().pdf)
    )


def test_a_signed_links_visitor_downloads_the_invoice(invoiced):
    # given a browser that opened the order's signed link (from the email)
    client = Client()
    assert client.get(signed_order_path(invoiced.number)).status_code == 302

    # when it downloads the invoice / then it gets it
    assert client.get(f"/orders/{invoiced.number}/invoice/").status_code == 200


def test_order_staff_download_from_the_page(invoiced):
    # given staff with the orders view permission
    staff = UserFactory(email="ops@example.com", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_order"))

    # when they download the invoice / then they get it
    assert logged_in(staff).get(f"/orders/{invoiced.number}/invoice/").status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "another shopper", "staff without orders access"])
def test_everyone_else_gets_a_404(invoiced, who):
    # given someone who may not see the order
    client = {
        "anonymous": Client,
        "another shopper": lambda: logged_in(UserFactory(email="bob@example.com")),
        "staff without orders access": lambda: logged_in(
            UserFactory(email="editor@example.com", is_staff=True)
        ),
    }[who]()

    # when they ask for the invoice or the credit note / then both are 404, no PDF
    for path in ("invoice/", f"credit-notes/CN-{YEAR}-000001/"):
        response = client.get(f"/orders/{invoiced.number}/{path}")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")


def test_another_orders_credit_note_number_is_a_404(invoiced, owner):
    # given the owner's second order, without credit notes
    other = captured_order(user=owner, email=owner.email)

    # when the first order's credit note is asked for under the second order
    response = logged_in(owner).get(f"/orders/{other.number}/credit-notes/CN-{YEAR}-000001/")

    # then it is a 404
    assert response.status_code == 404


# --- API ---------------------------------------------------------------------------------------


def api_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    return client


def test_the_api_serves_the_callers_invoice_as_pdf(invoiced, owner):
    # given the owner's API token / when they ask for the invoice
    response = api_for(owner).get(f"/api/orders/{invoiced.number}/invoice/")

    # then it is the PDF, as an attachment
    assert_pdf_download(response, INVOICE, bytes(Invoice.objects.get().pdf))


@pytest.mark.parametrize("accept", ["*/*", "application/pdf", "application/json"])
def test_the_api_answers_404_json_for_someone_elses_order_whatever_the_accept(invoiced, accept):
    # given another shopper's token
    client = api_for(UserFactory(email="bob@example.com"))

    # when they ask for the owner's invoice
    response = client.get(f"/api/orders/{invoiced.number}/invoice/", HTTP_ACCEPT=accept)

    # then it is a JSON 404, never a PDF and never a 406
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "No such order."}


def test_the_api_answers_404_while_there_is_no_invoice(owner):
    # given the owner's order without invoice
    order = captured_order(user=owner, email=owner.email)

    # when they ask for its invoice / then it is a 404 saying so
    response = api_for(owner).get(f"/api/orders/{order.number}/invoice/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "This order has no invoice yet."}


def test_the_schema_documents_the_invoice_download():
    # given the API schema / when it is fetched
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operation = schema.json()["paths"]["/api/orders/{number}/invoice/"]["get"]

    # then the 200 is a binary PDF and the 404 lists its code
    assert operation["responses"]["200"]["content"] == {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}
    }
    not_found = operation["responses"]["404"]["content"]["application/json"]["schema"]
    assert not_found["properties"]["code"]["enum"] == ["not_found"]
    assert operation["parameters"][0]["schema"] == {
        "type": "string",
        "pattern": "^[A-Za-z0-9-]{1,20}$",
    }


# --- Admin -------------------------------------------------------------------------------------


def test_staff_download_from_the_admin_and_see_documents_on_the_order(invoiced):
    # given a superuser in the admin
    client = logged_in(StaffFactory())
    invoice, note = Invoice.objects.get(), CreditNote.objects.get()

    # when they open the lists, the order's page and the download links
    invoices = client.get("/admin/invoices/invoice/").content.decode()
    notes = client.get("/admin/invoices/creditnote/").content.decode()
    order_page = client.get(f"/admin/orders/order/{invoiced.pk}/change/").content.decode()
    download = client.get(f"/admin/invoices/invoice/{invoice.pk}/pdf/")
    note_download = client.get(f"/admin/invoices/creditnote/{note.pk}/pdf/")

    # then the lists and the order's page link the PDFs, which download
    link = f'href="/admin/invoices/invoice/{invoice.pk}/pdf/"'
    assert link in invoices and link in order_page
    note_link = f'href="/admin/invoices/creditnote/{note.pk}/pdf/"'
    assert note_link in notes and note_link in order_page
    assert_pdf_download(download, INVOICE, bytes(invoice.pdf))
    assert_pdf_download(note_download, note.filename, bytes(note.pdf))
    # and a document's own page shows it read-only, with its link
    detail = client.get(f"/admin/invoices/invoice/{invoice.pk}/change/")
    assert detail.status_code == 200
    assert link in detail.content.decode()
    # and nothing can be added, changed or deleted
    assert client.get("/admin/invoices/invoice/add/").status_code == 403
    assert client.post(f"/admin/invoices/invoice/{invoice.pk}/delete/").status_code == 403


def test_staff_without_the_invoice_permission_cant_download(invoiced):
    # given staff with only the orders permission
    staff = UserFactory(email="ops@example.com", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_order"))

    # when they try the admin's download / then it is refused
    response = logged_in(staff).get(f"/admin/invoices/invoice/{Invoice.objects.get().pk}/pdf/")
    assert response.status_code == 403


def test_the_page_of_an_order_not_yet_paid_asks_nothing_about_documents(owner):
    # given the owner's order still waiting for its payment
    order = captured_order(user=owner, email=owner.email, status="authorized")
    client = logged_in(owner)

    # when its page is opened
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/orders/{order.number}/")

    # then no query touched the invoices, and there is no documents section
    assert page.status_code == 200
    assert [q["sql"] for q in queries.captured_queries if "invoices_" in q["sql"]] == []
    assert b'data-testid="order-documents"' not in page.content


def test_a_shipped_order_lists_its_invoice_in_one_query(owner):
    # given the owner's shipped order with its invoice
    order = captured_order(user=owner, email=owner.email, status="shipped")
    services.issue_invoice(order.number)
    client = logged_in(owner)

    # when its page is opened
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/orders/{order.number}/").content.decode()

    # then one query found the invoice, which the page offers
    assert len([q for q in queries.captured_queries if "invoices_" in q["sql"]]) == 1
    assert f'href="/orders/{order.number}/invoice/"' in page
