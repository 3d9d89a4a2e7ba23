"""The built-in fake gateway with the test cards payment developers already know.

- 4242 4242 4242 4242 succeeds
- 4000 0000 0000 0002 is declined
- 4000 0000 0000 9995 fails for insufficient funds
- 4000 0000 0000 0119 fails with a transient processing error twice, then succeeds

Declines happen when the card is authorized (or charged). Any other number that passes the Luhn
check succeeds. The gateway keeps its own ledger in the database (``orders.GatewayTransaction``)
so idempotency holds across processes, and it refuses what a real provider refuses: capturing a
voided authorization or more than was authorized, voiding a captured one, refunding more than
was captured.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from orders.models import GatewayTransaction
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
from shop import locks

TEST_CARDS = {
    "4242424242424242": "success",
    "4000000000000002": "declined",
    "4000000000009995": "insufficient",
    "4000000000000119": "transient",
}


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number][::-1]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    return "card"


def _outcome(token: str) -> str:
    behaviour = FakeGateway.behaviour(token)
    return {"declined": "declined", "insufficient": "insufficient_funds"}.get(
        behaviour, "succeeded"
    )


def _settled(parent: GatewayTransaction, kind: str) -> bool:
    """Whether a ``kind`` call (capture, void) already succeeded against ``parent``."""
    return GatewayTransaction.objects.filter(
        kind=kind, token=parent.reference, status="succeeded"
    ).exists()


class FakeGateway(PaymentGateway):
    name = "fake"

    def tokenize(self, number: str, exp_month: int, exp_year: int, cvc: str) -> CardToken:
        number = "".join(ch for ch in str(number) if not ch.isspace() and ch != "-")
        if not number.isdigit() or not 12 <= len(number) <= 19 or not luhn_ok(number):
            raise CardInvalid("That card number is not valid.", code="invalid_number")
        if not (1 <= int(exp_month) <= 12):
            raise CardInvalid("The expiry month must be between 1 and 12.", code="invalid_expiry")
        today = date.today()
        if (int(exp_year), int(exp_month)) < (today.year, today.month):
            raise CardInvalid("That card has expired.", code="expired_card")
        if not (str(cvc).isdigit() and len(str(cvc)) in (3, 4)):
            raise CardInvalid("The security code must be 3 or 4 digits.", code="invalid_cvc")
        behaviour = TEST_CARDS.get(number, "success")
        return CardToken(
            token=f"tok_{behaviour}_{secrets.token_hex(8)}",
            brand=card_brand(number),
            last4=number[-4:],
        )

    @staticmethod
    def behaviour(token: str) -> str:
        parts = token.split("_")
        return parts[1] if len(parts) >= 3 and parts[0] == "tok" else "success"

    # --- the lifecycle: the ledger makes a repeated key return the first result ---------------

    def charge(
        self, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        row = self._record("charge", token, amount, currency, idempotency_key, _outcome(token))
        return self._result(row)

    def authorize(
        self, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        row = self._record("authorize", token, amount, currency, idempotency_key, _outcome(token))
        return self._result(row)

    def capture(
        self, authorization: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        def check(parent: GatewayTransaction) -> None:
            if parent.kind != "authorize" or parent.status != "succeeded":
                raise PaymentError("No such authorization to capture.", code="no_authorization")
            if _settled(parent, "void"):
                raise PaymentError("The authorization was voided.", code="authorization_voided")
            if Decimal(amount) > Decimal(parent.amount):
                raise PaymentError("More than was authorized.", code="amount_too_large")

        row = self._record(
            "capture", authorization, amount, currency, idempotency_key, "succeeded", check
        )
        return self._result(row)

    def void(self, authorization: str, idempotency_key: str) -> GatewayResult:
        def check(parent: GatewayTransaction) -> None:
            if parent.kind != "authorize" or parent.status != "succeeded":
                raise PaymentError("No such authorization to void.", code="no_authorization")
            if _settled(parent, "capture"):
                raise PaymentError("The authorization was captured.", code="already_captured")

        # A void moves the authorization's whole amount; an unknown one is refused by ``check``.
        parent = GatewayTransaction.objects.filter(reference=authorization).first()
        amount = parent.amount if parent is not None else Decimal("0")
        currency = parent.currency if parent is not None else ""
        row = self._record(
            "void", authorization, amount, currency, idempotency_key, "succeeded", check
        )
        return self._result(row)

    def refund(
        self, charge_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        def check(parent: GatewayTransaction) -> None:
            if parent.kind not in ("charge", "capture") or parent.status != "succeeded":
                raise PaymentError("No such payment to refund.", code="no_capture")
            refunded = sum(
                (
                    Decimal(r.amount)
                    for r in GatewayTransaction.objects.filter(
                        kind="refund", token=parent.reference, status="succeeded"
                    )
                ),
                Decimal("0"),
            )
            if refunded + Decimal(amount) > Decimal(parent.amount):
                raise PaymentError("More than is left to refund.", code="amount_too_large")

        row = self._record(
            "refund", charge_reference, amount, currency, idempotency_key, "succeeded", check
        )
        return self._result(row)

    def _record(
        self,
        kind: str,
        token: str,
        amount: Decimal,
        currency: str,
        key: str,
        outcome: str,
        check: Callable[[GatewayTransaction], None] | None = None,
    ) -> GatewayTransaction:
        """Find or create the ledger row for ``key`` under a row lock and count this call.
        ``check`` vets a first call against the row it acts on (``token`` is that row's
        reference), locked, so a capture and a void of one authorization can't both succeed.

        The transient card fails its first ``TRANSIENT_FAILURES`` calls per key; the counted
        attempt is committed before the error is raised, so the next retry sees it.
        """
        with transaction.atomic():
            row = locks.gateway_transaction(key).first()
            if row is None and check is not None:
                parent = locks.gateway_authorization(token).first()
                if parent is None:
                    raise PaymentError("No such payment at the provider.", code="not_found")
                check(parent)
            if row is None:
                try:
                    with transaction.atomic():
                        row = GatewayTransaction.objects.create(
                            idempotency_key=key,
                            kind=kind,
                            token=token,
                            amount=amount,
                            currency=currency,
                            status="pending",
                            reference=f"{kind[:2]}_{secrets.token_hex(12)}",
                            attempts=0,
                        )
                except IntegrityError:  # another process created it first: use theirs
                    row = locks.gateway_transaction(key).get()
            if row.kind != kind or Decimal(row.amount) != Decimal(amount):
                raise PaymentError(
                    f"Idempotency key {key} was already used for a different request.",
                    code="idempotency_mismatch",
                )
            row.attempts += 1
            if row.status == "pending":
                transient = kind in ("charge", "authorize") and self.behaviour(token) == "transient"
                if not transient or row.attempts > self.TRANSIENT_FAILURES:
                    row.status = outcome
            row.save(update_fields=["attempts", "status"])
        return row

    TRANSIENT_FAILURES = 2

    def succeeded_before(self, before: datetime) -> Iterator[ProviderRecord]:
        rows = GatewayTransaction.objects.filter(status="succeeded", created_at__lt=before)
        for row in rows.order_by("pk").iterator():
            yield ProviderRecord(
                idempotency_key=row.idempotency_key,
                kind=row.kind,
                reference=row.reference,
                amount=Decimal(row.amount),
                currency=row.currency,
                created_at=row.created_at,
            )

    @staticmethod
    def _result(row: GatewayTransaction) -> GatewayResult:
        if row.status == "succeeded":
            return GatewayResult(reference=row.reference, status="succeeded")
        if row.status == "declined":
            raise PaymentDeclined("The card was declined.", code="card_declined")
        if row.status == "insufficient_funds":
            raise PaymentDeclined("The card has insufficient funds.", code="insufficient_funds")
        raise TransientPaymentError(
            "The payment provider could not process the request; try again.",
            code="processing_error",
        )
