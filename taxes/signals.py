"""A saved or deleted rate is shown at once: its country's cached rates are dropped."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from taxes.models import TaxRate
from taxes.rates import forget_displayed_rates


@receiver([post_save, post_delete], sender=TaxRate)
def rate_changed(sender: type[TaxRate], instance: TaxRate, **kwargs: Any) -> None:
    forget_displayed_rates(instance.country)
