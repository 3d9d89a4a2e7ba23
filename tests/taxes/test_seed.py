"""The seeded VAT: the data migration's EU rates, and the demo catalog's tax classes."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import Product
from taxes.models import TaxRate

pytestmark = pytest.mark.django_db


def test_the_eu_rates_are_seeded():
    # Given the migrated database / Then each of the 27 member states has a standard rate,
    # and the ones we sell to most have their known rates
    standard = dict(TaxRate.objects.filter(tax_class="standard").values_list("country", "rate"))
    reduced = dict(TaxRate.objects.filter(tax_class="reduced").values_list("country", "rate"))
    assert len(standard) == 27
    assert (standard["DE"], reduced["DE"]) == (Decimal("19.00"), Decimal("7.00"))
    assert (standard["FR"], reduced["FR"]) == (Decimal("20.00"), Decimal("5.50"))
    assert (standard["AT"], reduced["AT"]) == (Decimal("20.00"), Decimal("10.00"))
    assert "DK" not in reduced  # Denmark has none: reduced goods pay the standard rate


def test_the_demo_catalog_has_reduced_food_and_books():
    # Given the demo seed / When it has run
    call_command("seed_demo", stdout=StringIO())
    # Then beans, tea and books are reduced; gear is standard
    classes = dict(Product.objects.values_list("sku", "tax_class"))
    assert (classes["COF-001"], classes["BOO-001"]) == ("reduced", "reduced")
    assert (classes["COF-008"], classes["COF-009"]) == ("standard", "standard")
