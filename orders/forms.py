"""The checkout form (contact, shipping address new or saved, shipping method, card) and the
card form of an order's pay page.

The card details are turned into a gateway token by ``tokenize()``, which the views call last,
once the form, the cart and the abuse limits are fine (a card tester must not get a gateway
call for free); only ``self.card`` (token, brand, last four digits) leaves this form. Card
inputs never echo their value back.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.countries import CountryField, postal_code_error
from accounts.models import Address
from orders.payments import CardInvalid, CardToken, get_gateway
from orders.services.checkout import ADDRESS_FIELDS, REQUIRED_ADDRESS_FIELDS
from shop.money import format_money


class SensitiveInput(forms.PasswordInput):
    """A text input that never renders the submitted value (card number, CVC)."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, render_value=False)


_TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
_EXPIRY_RE = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")
_CARD_ERROR_FIELD = {
    "invalid_number": "card_number",
    "invalid_expiry": "expiry",
    "expired_card": "expiry",
    "invalid_cvc": "cvc",
}


def new_checkout_token() -> str:
    return uuid.uuid4().hex


def shipping_choices() -> list[tuple[str, str]]:
    return [
        (key, f"{method['label']} – {format_money(Decimal(str(method['price'])))}")
        for key, method in settings.SHIPPING_METHODS.items()
    ]


class CardForm(forms.Form):
    """A card, checked for shape by ``is_valid()``; ``tokenize()`` then makes it a gateway token
    (``self.card``: token, brand, last four digits). Used at checkout and on an order's pay
    page."""

    card_number = forms.CharField(
        label=_("Card number"),
        max_length=30,
        widget=SensitiveInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    expiry = forms.CharField(
        label=_("Expiry (MM/YY)"),
        max_length=7,
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp", "placeholder": "MM/YY", "size": 7}),
    )
    cvc = forms.CharField(
        label=_("Security code (CVC)"),
        max_length=4,
        widget=SensitiveInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric", "size": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.card: CardToken | None = None

    def clean_expiry(self) -> tuple[int, int]:
        match = _EXPIRY_RE.match(self.cleaned_data["expiry"])
        if not match:
            raise forms.ValidationError(_("Enter the expiry as MM/YY."))
        month, year = int(match.group(1)), int(match.group(2))
        if year < 100:
            year += 2000
        if not 1 <= month <= 12:
            raise forms.ValidationError(_("The expiry month must be between 1 and 12."))
        return month, year

    def tokenize(self) -> bool:
        """Send the (valid) form's card to the gateway: True with ``self.card`` set, False with
        the gateway's reason on the card's field. Call it last."""
        cleaned = self.cleaned_data
        month, year = cleaned["expiry"]
        try:
            self.card = get_gateway().tokenize(cleaned["card_number"], month, year, cleaned["cvc"])
        except CardInvalid as exc:
            self.add_error(_CARD_ERROR_FIELD.get(exc.code, "card_number"), exc.message)
            return False
        return True


class CheckoutForm(CardForm):
    # The page's order (the card last); unlisted hidden fields follow.
    field_order = [
        "email",
        "saved_address",
        *ADDRESS_FIELDS,
        "shipping_method",
        "card_number",
        "expiry",
        "cvc",
    ]

    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    saved_address = forms.ModelChoiceField(
        queryset=Address.objects.none(),
        required=False,
        empty_label=_("Enter a new address below"),
        label=_("Ship to a saved address"),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    line1 = forms.CharField(
        label=_("Address line 1"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    line2 = forms.CharField(
        label=_("Address line 2"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = forms.CharField(
        label=_("City"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    country = CountryField(
        label=_("Country"),
        required=False,
        invalid_message=_("Enter a two-letter country code, e.g. DE."),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel"}),
    )
    shipping_method = forms.ChoiceField(
        label=_("Shipping method"),
        choices=shipping_choices,
        widget=forms.RadioSelect,
        initial="standard",
    )
    checkout_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # The version of the cart the review showed (see ``CartSummary.version``).
    cart_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shipping_address: dict[str, str] = {}
        if user is not None and user.is_authenticated:
            self.fields["saved_address"].queryset = Address.objects.filter(user=user)
        else:
            del self.fields["saved_address"]
        # Marked for the shopper (the address fields are required only without a saved one).
        for name in ("email", *REQUIRED_ADDRESS_FIELDS, "card_number", "expiry", "cvc"):
            field = self.fields[name]
            field.label = format_lazy("{} *", field.label)
            field.widget.attrs["aria-required"] = "true"

    def clean_checkout_token(self) -> str:
        token = self.cleaned_data["checkout_token"].strip().lower()
        if not _TOKEN_RE.match(token):
            raise forms.ValidationError(_("This checkout form expired; please submit it again."))
        return token

    def clean_cart_version(self) -> str:
        # Never a field error (the field is hidden): a mangled value just doesn't match.
        return self.cleaned_data["cart_version"][:64]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._clean_address(cleaned)
        return cleaned

    def _clean_address(self, cleaned: dict[str, Any]) -> None:
        saved = cleaned.get("saved_address")
        if saved is not None:
            self.shipping_address = saved.as_dict()
            return
        for name in REQUIRED_ADDRESS_FIELDS:
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, _("This field is required."))
        error = postal_code_error(cleaned.get("country", ""), cleaned.get("postal_code", ""))
        if error and "postal_code" not in self.errors:
            self.add_error("postal_code", error)
        self.shipping_address = {name: cleaned.get(name, "") for name in ADDRESS_FIELDS}
