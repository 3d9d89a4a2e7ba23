"""Countries and postal codes of shipping addresses: a select of country names (django-countries,
translated) that also takes a lower-case code, and postal codes checked where the country's
format is known."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

# Postal code formats (after upper-casing and trimming); countries not listed take any value.
POSTAL_CODES: dict[str, re.Pattern[str]] = {
    code: re.compile(pattern)
    for code, pattern in {
        "AT": r"\d{4}",
        "BE": r"\d{4}",
        "CH": r"\d{4}",
        "DE": r"\d{5}",
        "DK": r"\d{4}",
        "ES": r"\d{5}",
        "FR": r"\d{5}",
        "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
        "IT": r"\d{5}",
        "NL": r"\d{4} ?[A-Z]{2}",
        "PL": r"\d{2}-\d{3}",
        "SE": r"\d{3} ?\d{2}",
        "US": r"\d{5}(-\d{4})?",
    }.items()
}


def country_choices() -> list[tuple[str, str]]:
    """(code, name) of every country, by name in the active language, after an empty choice."""
    return [("", _("Choose a country")), *((c.code, c.name) for c in countries)]


class CountryField(forms.TypedChoiceField):
    """A country chosen by name; a posted code is accepted in any case ("de" is DE)."""

    def __init__(self, *, invalid_message: str, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Select(attrs={"autocomplete": "country"}))
        super().__init__(
            choices=country_choices,
            error_messages={"invalid_choice": invalid_message},
            **kwargs,
        )

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value) or "").strip().upper()


def postal_code_error(country: str, postal_code: str) -> str | None:
    """Why ``postal_code`` is not one of ``country``'s, or None (fine, or format unknown)."""
    pattern = POSTAL_CODES.get(country)
    if pattern is None or not postal_code:
        return None
    if pattern.fullmatch(postal_code.strip().upper()):
        return None
    return str(
        _("Enter a valid postal code for %(country)s.") % {"country": countries.name(country)}
    )
