"""The admin's Refund page of an order and the refunds panel on the order's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from refunds.models import Refund
from tests.factories import StaffFactory, UserFactory
from tests.refunds.factories import captured_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory(email="admin-refunds@example.com"))
    return client


def test_staff_refund_one_unit_from_the_refund_page(staff_client):
    # Given a delivered order of 2 x 11.90 + shipping
    order = captured_order()
    line = order.lines.get()
    url = reverse("admin:refunds_refund_order", args=[order.number])
    assert staff_client.get(url).status_code == 200

    # When staff refund one unit and the shipping
    response = staff_client.post(
        url, {f"line_{line.pk}": "1", "include_shipping": "on", "amount": "", "reason": "Torn"}
    )

    # Then the refund is saved for its workflow, and the page lists it
    assert response.status_code == 302
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.actor, refund.reason) == (
        line.gross_amount / 2 + order.shipping_cost,
        "admin-refunds@example.com",
        "Torn",
    )
    page = staff_client.get(url).content.decode()
    assert refund.number in page
    assert "not started yet" in page  # Temporal is unreachable in tests: the sweeper's turn
    # And the order's admin page shows it with a link to the Refund page
    change = staff_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert refund.number in change.content.decode()
    assert url in change.content.decode()


def test_a_refused_refund_shows_why_and_saves_nothing(staff_client):
    # Given a delivered order that captured 28.70
    order = captured_order()
    url = reverse("admin:refunds_refund_order", args=[order.number])

    # When staff ask for more than was captured
    response = staff_client.post(url, {"amount": "30.00", "reason": "Too generous"})

    # Then the page says why, and nothing is saved
    assert response.status_code == 200
    assert "left to refund" in response.content.decode()
    assert Refund.objects.count() == 0


def test_the_refund_page_is_for_order_staff_only(client):
    # Given a customer logged in / When they open the Refund page / Then the admin sends them away
    order = captured_order()
    client.force_login(UserFactory(email="not-staff@example.com"))
    response = client.get(reverse("admin:refunds_refund_order", args=[order.number]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
