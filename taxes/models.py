"""VAT rates per destination country and tax class (docs/TAXES.md)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class TaxClass(models.TextChoices):
    """What kind of goods a product is, for VAT: most are standard, food and books reduced."""

    STANDARD = "standard", "Standard"
    REDUCED = "reduced", "Reduced"


class TaxRate(models.Model):
    """The VAT percentage of one tax class in one destination country. A country without a
    reduced rate taxes reduced goods at its standard rate; a country without any rate (outside
    the EU) is not charged VAT (``taxes.rates``)."""

    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. DE.")
    tax_class = models.CharField(max_length=20, choices=TaxClass.choices, default=TaxClass.STANDARD)
    rate = models.DecimalField(
        "rate (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country", "tax_class"]
        constraints = [
            models.UniqueConstraint(fields=["country", "tax_class"], name="tax_rate_unique"),
            models.CheckConstraint(
                condition=models.Q(rate__gte=0) & models.Q(rate__lte=100),
                name="tax_rate_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.tax_class}: {self.rate}%"

    def save(self, *args, **kwargs) -> None:
        self.country = (self.country or "").upper()
        super().save(*args, **kwargs)
