"""The Stripe gateway: PaymentIntents with manual capture, through the official ``stripe`` library.

``authorize`` confirms a PaymentIntent with ``capture_method="manual"`` (the bank holds the money),
``capture`` takes all or part of it, ``void`` cancels the intent and ``refund`` creates Refunds
against it; ``charge`` is a PaymentIntent captured at once. References are PaymentIntent ids
(``pi_...``) for authorize, capture and charge, Refund ids (``re_...``) for refunds.

Every call sends the caller's idempotency key, so a workflow retry after a timeout replays
Stripe's first answer instead of moving money twice. For the same reason the library's own
network retries are off: the workflow retries with the same key and its own backoff.

``tokenize`` sends raw card details to Stripe and so is for test mode only (it refuses a live
key). In production the browser collects the card with Stripe's Payment Element (Stripe.js)
and posts only the ``pm_...`` id: card numbers never reach this server. See docs/PAYMENTS.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from orders.payments.base import (
    CardInvalid,
    CardToken,
    GatewayResult,
    PaymentDeclined,
    PaymentError,
    PaymentGateway,
    TransientPaymentError,
)

# The workflow retries with the same idempotency key; retrying inside the library too would
# multiply the attempts and hold an activity slot for the library's backoff.
MAX_NETWORK_RETRIES = 0

# Stripe counts these currencies in whole units and every other one in hundredths.
ZERO_DECIMAL_CURRENCIES = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf"}
ZERO_DECIMAL_CURRENCIES |= {"ugx", "vnd", "vuv", "xaf", "xof", "xpf"}

# Stripe's card error codes at tokenize -> the codes the checkout form maps to its fields.
_CARD_INVALID_CODES = {
    "incorrect_number": "invalid_number",
    "invalid_number": "invalid_number",
    "invalid_expiry_month": "invalid_expiry",
    "invalid_expiry_year": "invalid_expiry",
    "expired_card": "expired_card",
    "incorrect_cvc": "invalid_cvc",
    "invalid_cvc": "invalid_cvc",
}
_CARD_INVALID_MESSAGES = {
    "invalid_number": "That card number is not valid.",
    "invalid_expiry": "The expiry date is not valid.",
    "expired_card": "That card has expired.",
    "invalid_cvc": "The security code is not valid.",
}
_CARD_PARAM_CODES = {
    "card[number]": "invalid_number",
    "card[exp_month]": "invalid_expiry",
    "card[exp_year]": "invalid_expiry",
    "card[cvc]": "invalid_cvc",
}
# Stripe's invalid-request codes -> our stable codes (the fake gateway uses the same ones).
_REQUEST_CODES = {
    "amount_too_large": "amount_too_large",
    "charge_already_refunded": "amount_too_large",
    "payment_intent_unexpected_state": "invalid_state",
    "resource_missing": "not_found",
}
# The PaymentIntent status each call must end in, else the result is not what we asked for.
_UNEXPECTED_STATUS: dict[str, tuple[type[PaymentError], str, str]] = {
    "canceled": (PaymentError, "The authorization was voided.", "authorization_voided"),
    "requires_action": (
        PaymentDeclined,
        "The card needs authentication by the cardholder.",
        "authentication_required",
    ),
    "requires_payment_method": (PaymentDeclined, "The card was declined.", "card_declined"),
}


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Stripe takes integer amounts in the currency's smallest unit; refuse fractions of it
    rather than round money silently."""
    exponent = 0 if currency.lower() in ZERO_DECIMAL_CURRENCIES else 2
    minor = Decimal(amount).scaleb(exponent)
    if minor != minor.to_integral_value() or minor < 0:
        raise PaymentError(f"Invalid amount {amount} {currency}.", code="invalid_amount")
    return int(minor)


def _card_invalid(exc: stripe.CardError | stripe.InvalidRequestError) -> CardInvalid:
    """Stripe's answer to bad card details, in the codes and words of our checkout form."""
    code = _CARD_INVALID_CODES.get(exc.code or "") or _CARD_PARAM_CODES.get(
        exc.param or "", "invalid_number"
    )
    return CardInvalid(_CARD_INVALID_MESSAGES[code], code=code)


@contextmanager
def stripe_errors(tokenizing: bool = False) -> Iterator[None]:
    """Translate Stripe's exceptions into the three the shop understands: declines are final,
    network trouble, rate limits and 5xx/409 are retryable, anything else is a stable code."""
    try:
        yield
    except stripe.CardError as exc:
        if tokenizing:
            raise _card_invalid(exc) from exc
        message = exc.user_message or "The card was declined."
        decline = getattr(exc.error, "decline_code", None)
        code = "insufficient_funds" if "insufficient_funds" in (exc.code, decline) else None
        raise PaymentDeclined(message, code or "card_declined") from exc
    except stripe.IdempotencyError as exc:
        raise PaymentError(exc.user_message or str(exc), "idempotency_mismatch") from exc
    except stripe.InvalidRequestError as exc:
        if tokenizing and exc.http_status == 400:
            raise _card_invalid(exc) from exc
        message = exc.user_message or "The payment provider refused the request."
        code = _REQUEST_CODES.get(exc.code or "")
        if code is None:
            code = "amount_too_large" if exc.param == "amount" else "invalid_request"
        raise PaymentError(message, code) from exc
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise TransientPaymentError(
            "The payment provider could not be reached; try again.", "processing_error"
        ) from exc
    except stripe.APIError as exc:
        # 409: a concurrent request with the same key is still running at Stripe.
        if exc.http_status is None or exc.http_status >= 500 or exc.http_status == 409:
            raise TransientPaymentError(
                "The payment provider failed to process the request; try again.",
                "processing_error",
            ) from exc
        raise PaymentError(str(exc), "provider_error") from exc
    except stripe.StripeError as exc:  # authentication, permission: our configuration
        raise PaymentError(str(exc), "provider_error") from exc


class StripeGateway(PaymentGateway):
    """``PaymentGateway`` over Stripe. Settings: ``STRIPE_SECRET_KEY``, ``STRIPE_API_BASE``
    (localstripe in tests) and ``STRIPE_TIMEOUT_SECONDS``; the constructor's arguments win."""

    name = "stripe"

    def __init__(
        self, api_key: str | None = None, api_base: str | None = None, timeout: float | None = None
    ) -> None:
        self.api_key = api_key if api_key is not None else settings.STRIPE_SECRET_KEY
        if not self.api_key:
            raise ImproperlyConfigured("StripeGateway needs STRIPE_SECRET_KEY.")
        self.timeout = float(timeout if timeout is not None else settings.STRIPE_TIMEOUT_SECONDS)
        self.client = stripe.StripeClient(
            self.api_key,
            base_addresses={"api": api_base or settings.STRIPE_API_BASE},
            max_network_retries=MAX_NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=self.timeout),
        )

    def tokenize(self, number: str, exp_month: int, exp_year: int, cvc: str) -> CardToken:
        """Create a card PaymentMethod from raw details: test mode only (see the module doc)."""
        if not self.api_key.startswith(("sk_test_", "rk_test_")):
            raise PaymentError(
                "Card numbers go to Stripe from the browser in live mode, never via the server.",
                code="test_mode_only",
            )
        card = {
            "number": "".join(ch for ch in str(number) if ch.isdigit()),
            "exp_month": int(exp_month),
            "exp_year": int(exp_year),
            "cvc": str(cvc),
        }
        with stripe_errors(tokenizing=True):
            pm = self.client.v1.payment_methods.create(params={"type": "card", "card": card})
        return CardToken(token=pm.id, brand=pm.card.brand, last4=pm.card.last4)

    def charge(
        self, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._confirm(token, amount, currency, idempotency_key, "automatic", "succeeded")

    def authorize(
        self, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._confirm(token, amount, currency, idempotency_key, "manual", "requires_capture")

    def capture(
        self, authorization: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        params = {"amount_to_capture": to_minor_units(amount, currency)}
        with stripe_errors():
            intent = self.client.v1.payment_intents.capture(
                authorization, params=params, options={"idempotency_key": idempotency_key}
            )
        return self._expect(intent, "succeeded")

    def void(self, authorization: str, idempotency_key: str) -> GatewayResult:
        with stripe_errors():
            intent = self.client.v1.payment_intents.cancel(
                authorization, options={"idempotency_key": idempotency_key}
            )
        return self._expect(intent, "canceled")

    def refund(
        self, charge_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        params = {"payment_intent": charge_reference, "amount": to_minor_units(amount, currency)}
        with stripe_errors():
            refund = self.client.v1.refunds.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        # Card refunds may stay "pending" at Stripe for a while; the request is accepted.
        if refund.status not in ("succeeded", "pending"):
            raise PaymentError(f"The refund {refund.status}.", code="refund_failed")
        return GatewayResult(reference=refund.id, status="succeeded")

    def _confirm(
        self,
        token: str,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
        capture_method: str,
        expected: str,
    ) -> GatewayResult:
        """Create and confirm a PaymentIntent for ``token`` (a ``pm_...`` id) in one call."""
        params: dict[str, Any] = {
            "amount": to_minor_units(amount, currency),
            "currency": currency.lower(),
            "payment_method": token,
            "payment_method_types": ["card"],
            "capture_method": capture_method,
            "confirm": True,
        }
        with stripe_errors():
            intent = self.client.v1.payment_intents.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        return self._expect(intent, expected)

    @staticmethod
    def _expect(intent: stripe.PaymentIntent, status: str) -> GatewayResult:
        """A call that returns an intent in another state did not do what we asked (e.g. the
        card needs 3-D Secure, or a capture hit a voided intent): never report it succeeded."""
        if intent.status != status:
            error, message, code = _UNEXPECTED_STATUS.get(
                intent.status, (PaymentError, f"The payment is {intent.status}.", "invalid_state")
            )
            raise error(message, code=code)
        return GatewayResult(reference=intent.id, status="succeeded")
