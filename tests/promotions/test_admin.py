"""Staff manage vouchers and VAT rates in the admin."""

from __future__ import annotations

from decimal import Decimal

import pytest

from promotions.models import Voucher
from taxes.models import TaxRate
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

VOUCHER_FORM = {
    "code": "spring 10",
    "description": "Spring sale",
    "is_active": "on",
    "kind": "percentage",
    "value": "10",
    "minimum_subtotal": "0",
    "usage_limit": "100",
    "usage_limit_per_customer": "1",
    "usages-TOTAL_FORMS": "0",
    "usages-INITIAL_FORMS": "0",
}


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def test_staff_create_a_voucher(staff_client):
    # Given the admin's add form / When staff submit a voucher in small letters
    response = staff_client.post(
        "/admin/promotions/voucher/add/", {**VOUCHER_FORM, "code": "spring10"}
    )
    # Then it is saved in capitals with its limits, unused
    assert response.status_code == 302
    voucher = Voucher.objects.get()
    assert (voucher.code, voucher.value, voucher.usage_limit, voucher.times_used) == (
        "SPRING10",
        Decimal("10.00"),
        100,
        0,
    )
    # And the list shows it
    assert "SPRING10" in staff_client.get("/admin/promotions/voucher/").content.decode()


def test_a_percentage_over_100_is_refused(staff_client):
    # When staff enter 150 % / Then the form says so and nothing is saved
    response = staff_client.post(
        "/admin/promotions/voucher/add/", {**VOUCHER_FORM, "code": "HUGE", "value": "150"}
    )
    assert response.status_code == 200
    assert Voucher.objects.count() == 0


def test_staff_edit_a_vat_rate_in_the_list(staff_client):
    # Given the seeded German standard rate
    rate = TaxRate.objects.get(country="DE", tax_class="standard")
    # When staff change it in the list
    page = staff_client.get("/admin/taxes/taxrate/?country=DE")
    assert page.status_code == 200
    rows = list(TaxRate.objects.order_by("country", "tax_class").filter(country="DE"))
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "_save": "Save",
    }
    for index, row in enumerate(rows):
        data[f"form-{index}-id"] = str(row.pk)
        data[f"form-{index}-rate"] = "16.00" if row.pk == rate.pk else str(row.rate)
    response = staff_client.post("/admin/taxes/taxrate/?country=DE", data)
    # Then it is saved
    assert response.status_code == 302
    rate.refresh_from_db()
    assert rate.rate == Decimal("16.00")
