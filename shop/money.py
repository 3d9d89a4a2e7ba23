"""Money as shoppers read it: one formatter for every amount on pages, emails and the admin.

``format_money(Decimal("19.90"))`` is ``€19.90`` in English and ``19,90 €`` (a non-breaking
space before the sign) in German: the active language (or ``LANGUAGE_CODE``) picks the
separators (Django's locale formats) and where the sign goes; the currency defaults to
``SHOP_CURRENCY``.
"""

from decimal import Decimal

from django.conf import settings
from django.utils import formats, translation

NBSP = "\u00a0"
SIGNS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "JPY": "¥"}
# Languages that write the sign after the amount ("19,90 €"); the others put it first.
SIGN_AFTER = {"de", "fr", "es", "it", "nl", "pl", "sv", "fi", "da", "nb", "cs", "pt"}


def format_money(amount: Decimal | int | float | str | None, currency: str | None = None) -> str:
    """``amount`` with two decimals and the currency sign, in the active language."""
    if amount is None or amount == "":
        return ""
    currency = (currency or settings.SHOP_CURRENCY).upper()
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    number = formats.number_format(abs(value), decimal_pos=2, use_l10n=True, force_grouping=True)
    sign = SIGNS.get(currency, currency)
    minus = "-" if value < 0 else ""
    if language in SIGN_AFTER:
        return f"{minus}{number}{NBSP}{sign}"
    separator = NBSP if len(sign) > 1 else ""
    return f"{minus}{sign}{separator}{number}"
