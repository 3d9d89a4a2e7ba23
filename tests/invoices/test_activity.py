"""The invoice step as the worker runs it (``workflows.activities.issue_invoice`` in a real
activity context, on the test's database): a retry issues no second invoice, an order without
captured money fails for good, and the confirmation email sent after it carries the PDF."""

from __future__ import annotations

import email
from io import BytesIO

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader
from temporalio.exceptions import ApplicationError

from invoices.models import DocumentCounter, Invoice
from orders.models import EmailNotification
from tests.factories import set_stock
from tests.invoices.factories import captured_order, taxed_order
from tests.reliability.smtp import RecordingHandler, SmtpServer
from tests.workflows.activity_env import run
from workflows import activities as acts
from workflows.types import PaymentAttempt

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def test_a_retried_invoice_activity_issues_no_second_invoice():
    # given a captured order
    order = captured_order()

    # when the invoice activity runs twice (a retry after a lost answer)
    first = run(acts.issue_invoice, order.number)
    second = run(acts.issue_invoice, order.number)

    # then both answer the same number; one invoice, one number taken
    assert first == second == f"{YEAR}-000001"
    assert Invoice.objects.filter(order=order).count() == 1
    assert DocumentCounter.objects.get(series="invoice", year=YEAR).last_number == 1


def test_the_invoice_activity_fails_for_good_when_no_money_was_taken():
    # given an order that was never captured
    order = taxed_order()

    # when the invoice activity runs
    with pytest.raises(ApplicationError) as failure:
        run(acts.issue_invoice, order.number)

    # then it is a non-retryable InvalidOrder and no number was used
    assert failure.value.type == "InvalidOrder"
    assert failure.value.non_retryable is True
    assert not DocumentCounter.objects.filter(last_number__gt=0).exists()


def test_the_real_steps_capture_invoice_and_email_the_invoice_as_attachment():
    # given a placed order with stock
    order = taxed_order(items=[("Blue Mug", "12.50", 2, "19.00")], language="en")
    for line in order.lines.all():
        set_stock(line.product, 10)

    # when the real steps run: validate, reserve, authorize, ship, capture, invoice, confirm
    run(acts.validate_order, order.number)
    run(acts.reserve_inventory, order.number)
    run(acts.authorize_payment, order.number, PaymentAttempt(attempt=1))
    run(acts.create_shipment, order.number)
    run(acts.capture_payment, order.number)
    number = run(acts.issue_invoice, order.number)
    run(acts.send_confirmation_email, order.number)

    # then the confirmation email carries the invoice PDF
    assert number == f"{YEAR}-000001"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].attachments == [
        (f"invoice-{number}.pdf", bytes(Invoice.objects.get().pdf), "application/pdf")
    ]


def test_a_confirmation_without_invoice_has_no_attachment():
    # given a captured order whose invoice could not be issued (the workflow went on)
    order = captured_order()

    # when its confirmation email is sent
    run(acts.send_confirmation_email, order.number)

    # then it has no attachment
    assert len(mail.outbox) == 1
    assert mail.outbox[0].attachments == []


class KeepingHandler(RecordingHandler):
    """Keeps the raw messages too."""

    def __init__(self) -> None:
        super().__init__()
        self.raw: list[bytes] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd API
        self.raw.append(envelope.content)
        return await super().handle_DATA(server, session, envelope)


def test_the_invoice_arrives_at_a_real_smtp_server_and_reads_back(settings):
    # given a real SMTP server and an invoiced order
    handler = KeepingHandler()
    order = captured_order()
    number = run(acts.issue_invoice, order.number)

    # when the confirmation email is sent through it
    with SmtpServer(handler) as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        run(acts.send_confirmation_email, order.number)

    # then one message arrived with the PDF attached, which opens and names the invoice
    assert len(handler.raw) == 1
    message = email.message_from_bytes(handler.raw[0])
    parts = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert [p.get_filename() for p in parts] == [f"invoice-{number}.pdf"]
    reader = PdfReader(BytesIO(parts[0].get_payload(decode=True)))
    assert f"Invoice {number}" in reader.pages[0].extract_text()
    assert EmailNotification.objects.get(order=order).sent_at is not None
