from django.apps import AppConfig


class CatalogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalog"

    def ready(self) -> None:
        # Connects the receivers that bump the catalog's cache versions on saves and deletes.
        from catalog import signals  # noqa: F401
