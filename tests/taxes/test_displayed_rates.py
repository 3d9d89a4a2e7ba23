"""The VAT rates pages show come from the shared cache, and a rate saved or deleted in the admin
is shown at once (its country's cached rates are dropped)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from taxes.models import TaxRate
from taxes.rates import displayed_rates_for

pytestmark = pytest.mark.django_db


def test_rates_are_read_once_then_served_from_the_cache(django_assert_num_queries):
    # Given Germany's standard rate in the table
    TaxRate.objects.update_or_create(
        country="DE", tax_class="standard", defaults={"rate": Decimal("19.00")}
    )

    # When the rates are shown twice
    with django_assert_num_queries(1):
        first = displayed_rates_for("de")
    with django_assert_num_queries(0):
        second = displayed_rates_for("DE")

    # Then the second time costs no query and says the same
    assert first.standard == second.standard == Decimal("19.00")


def test_a_saved_or_deleted_rate_is_shown_at_once():
    # Given Germany's rates, shown once (so cached)
    rate, _ = TaxRate.objects.update_or_create(
        country="DE", tax_class="standard", defaults={"rate": Decimal("19.00")}
    )
    assert displayed_rates_for("DE").standard == Decimal("19.00")

    # When staff change the rate, then delete it
    rate.rate = Decimal("21.00")
    rate.save()
    changed = displayed_rates_for("DE").standard
    rate.delete()
    deleted = displayed_rates_for("DE").standard

    # Then each change shows on the next read
    assert (changed, deleted) == (Decimal("21.00"), Decimal("0.00"))
