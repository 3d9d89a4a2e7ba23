"""System checks for settings the orders app needs in production."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def carrier_webhook_secret(app_configs, **kwargs) -> list[Warning]:
    if settings.CARRIER_WEBHOOK_SECRET:
        return []
    return [
        Warning(
            "CARRIER_WEBHOOK_SECRET is not set: the carrier webhook rejects every call, so "
            "orders are never marked delivered by the carrier.",
            hint="Set CARRIER_WEBHOOK_SECRET to the secret shared with your carrier.",
            id="orders.W001",
        )
    ]
