"""VAT: tax rates per country and tax class, and the calculation."""

from django.apps import AppConfig


class TaxesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "taxes"
    verbose_name = "Taxes"

    def ready(self) -> None:
        from taxes import signals  # noqa: F401  (connects the cached rates' invalidation)
