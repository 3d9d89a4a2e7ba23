"""The demo's EU VAT rates: the standard rate and the main reduced rate (food, books) of each
member state, as published by the European Commission for 2025. Staff keep them current in the
admin; a country with no reduced rate listed taxes reduced goods at its standard rate."""

from decimal import Decimal

from django.db import migrations

# country: (standard, reduced or None)
EU_RATES = {
    "AT": ("20", "10"),
    "BE": ("21", "6"),
    "BG": ("20", "9"),
    "CY": ("19", "5"),
    "CZ": ("21", "12"),
    "DE": ("19", "7"),
    "DK": ("25", None),
    "EE": ("24", "9"),
    "ES": ("21", "10"),
    "FI": ("25.5", "14"),
    "FR": ("20", "5.5"),
    "GR": ("24", "13"),
    "HR": ("25", "13"),
    "HU": ("27", "5"),
    "IE": ("23", "13.5"),
    "IT": ("22", "10"),
    "LT": ("21", "9"),
    "LU": ("17", "8"),
    "LV": ("21", "12"),
    "MT": ("18", "7"),
    "NL": ("21", "9"),
    "PL": ("23", "8"),
    "PT": ("23", "6"),
    "RO": ("21", "11"),
    "SE": ("25", "12"),
    "SI": ("22", "9.5"),
    "SK": ("23", "19"),
}


def seed(apps, schema_editor):
    TaxRate = apps.get_model("taxes", "TaxRate")
    for country, (standard, reduced) in EU_RATES.items():
        TaxRate.objects.get_or_create(
            country=country, tax_class="standard", defaults={"rate": Decimal(standard)}
        )
        if reduced is not None:
            TaxRate.objects.get_or_create(
                country=country, tax_class="reduced", defaults={"rate": Decimal(reduced)}
            )


def unseed(apps, schema_editor):
    TaxRate = apps.get_model("taxes", "TaxRate")
    TaxRate.objects.filter(country__in=list(EU_RATES)).delete()


class Migration(migrations.Migration):
    dependencies = [("taxes", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
