"""What the customer sees of refunds: the order page and the email, in English and German."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from refunds import services
from refunds.services import request_refund
from tests.factories import UserFactory
from tests.refunds.factories import captured_order

pytestmark = pytest.mark.django_db


def test_the_order_page_shows_each_refund_in_plain_words(client):
    # Given a customer's order with one refund done and one on its way
    ada = UserFactory(email="ada-pages@example.com")
    order = captured_order(user=ada)
    done = request_refund(order.number, amount=Decimal("5.00"), reason="Late", actor="staff")
    services.execute_refund(done.number)
    request_refund(order.number, lines={order.lines.get().pk: 1}, reason="Broken", actor="staff")
    client.force_login(ada)

    # When the customer opens the order page
    page = client.get(order.get_absolute_url()).content.decode()

    # Then each refund shows with its amount, in plain words, without staff notes
    assert "Refunds" in page
    assert "€5.00 refunded on" in page
    assert "A refund of €11.90 is on its way" in page
    assert "Partially refunded" in page
    assert "staff" not in page.split('data-testid="order-refunds"')[1].split("</section>")[0]


def test_the_refund_email_is_in_the_customers_language():
    # Given a German customer's order and a refund of one unit
    order = captured_order()
    order.language = "de"
    order.save(update_fields=["language"])
    refund = request_refund(
        order.number, lines={order.lines.get().pk: 1}, reason="x", actor="staff"
    )

    # When the refund is carried out and its email sent (twice)
    services.execute_refund(refund.number)
    assert services.send_refund_email(refund.number) is True
    assert services.send_refund_email(refund.number) is False

    # Then one German email names the amount the German way
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"Erstattung für Ihre Bestellung {order.number}"
    assert "wir haben Ihnen 11,90\u00a0€ für Ihre Bestellung" in message.body
    assert "Erstattete Artikel:" in message.body
