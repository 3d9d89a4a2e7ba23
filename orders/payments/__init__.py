"""Payment gateways, chosen by the ``PAYMENT_GATEWAY`` setting (a dotted path)."""

from django.conf import settings
from django.utils.module_loading import import_string

from orders.payments.base import (
    CardInvalid,
    CardToken,
    GatewayResult,
    PaymentDeclined,
    PaymentError,
    PaymentGateway,
    ProviderRecord,
    TransientPaymentError,
)

__all__ = [
    "CardInvalid",
    "CardToken",
    "GatewayResult",
    "PaymentDeclined",
    "PaymentError",
    "PaymentGateway",
    "ProviderRecord",
    "TransientPaymentError",
    "get_gateway",
]


def get_gateway() -> PaymentGateway:
    return import_string(settings.PAYMENT_GATEWAY)()
