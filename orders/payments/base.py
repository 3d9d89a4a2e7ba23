"""The payment gateway interface. The shop talks to providers only through this."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class CardToken:
    """What checkout keeps of a card: the provider's token plus display data."""

    token: str
    brand: str
    last4: str


@dataclass(frozen=True)
class GatewayResult:
    reference: str
    status: str  # "succeeded"


@dataclass(frozen=True)
class ProviderRecord:
    """One money movement as the provider's books show it (for reconciliation)."""

    idempotency_key: str
    kind: str  # authorize | capture | void | refund | charge
    reference: str
    amount: Decimal
    currency: str
    created_at: datetime


class PaymentError(Exception):
    """Base class. ``code`` is stable (declined, insufficient_funds, processing_error...)."""

    code = "payment_error"
    retryable = False

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class CardInvalid(PaymentError):
    """The card details were rejected before any charge (bad number, expiry, CVC)."""

    code = "card_invalid"


class PaymentDeclined(PaymentError):
    """A business failure: do not retry (declined, insufficient funds)."""

    code = "card_declined"


class TransientPaymentError(PaymentError):
    """The provider failed to process the call this time: retry with the same key."""

    code = "processing_error"
    retryable = True


class PaymentGateway(ABC):
    """A provider's lifecycle: authorize, then capture (or void) the authorization, then refund
    all or part of the capture. Every call carries an idempotency key: a repeated key returns
    the first call's result and moves no more money. ``charge`` (authorize and capture at once)
    serves orders started before the shop authorized first."""

    name = "gateway"

    @abstractmethod
    def tokenize(self, number: str, exp_month: int, exp_year: int, cvc: str) -> CardToken:
        """Turn card details into a token. Raises ``CardInvalid``."""

    @abstractmethod
    def charge(
        self, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        """Charge once per idempotency key, whatever the number of calls.
        Raises ``PaymentDeclined`` or ``TransientPaymentError``."""

    @abstractmethod
    def authorize(
        self, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        """Hold ``amount`` on the card. Raises ``PaymentDeclined`` or ``TransientPaymentError``."""

    @abstractmethod
    def capture(
        self, authorization: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        """Take up to the authorized amount. Raises ``PaymentError`` (voided, expired, too much)
        or ``TransientPaymentError``."""

    @abstractmethod
    def void(self, authorization: str, idempotency_key: str) -> GatewayResult:
        """Release an authorization that was not captured. Raises ``PaymentError`` (already
        captured) or ``TransientPaymentError``."""

    @abstractmethod
    def refund(
        self, charge_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        """Refund ``amount`` (all or part) of a capture or charge, once per idempotency key.
        Raises ``PaymentError`` (more than is left to refund) or ``TransientPaymentError``."""

    def succeeded_before(self, before: datetime) -> Iterator[ProviderRecord]:
        """Every successful money movement the provider recorded before ``before`` (for
        ``manage.py reconcile_payments``). Providers that can't list them raise
        ``NotImplementedError``."""
        raise NotImplementedError(f"{self.name} can't list its transactions.")
