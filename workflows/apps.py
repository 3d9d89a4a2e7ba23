from django.apps import AppConfig

from workflows import tracing


class WorkflowsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workflows"

    def ready(self) -> None:
        # Every Django process (web, worker, commands) traces when OTEL_EXPORTER_OTLP_ENDPOINT
        # is set; before the first request, so the Django middleware is in place.
        tracing.setup_from_env()
