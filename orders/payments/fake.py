"""The built-in fake gateway with the test cards payment developers already know.

- 4242 4242 4242 4242 succeeds
- 4000 0000 0000 0002 is declined
- 4000 0000 0000 9995 fails for insufficient funds
- 4000 0000 0000 0119 fails with a transient processing error twice, then succeeds

Any other number that passes the Luhn check succeeds. The gateway keeps its own ledger in the
database (``orders.GatewayTransaction``) so idempotency holds across processes.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

from orders.payments.base import CardInvalid, CardToken, GatewayResult, PaymentGateway

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

    def charge(self, token: str, amount: Decimal, currency: str, idempotency_key: str) -> GatewayResult:
        raise NotImplementedError  # issue 4

    def refund(
        self, charge_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        raise NotImplementedError  # issue 4
