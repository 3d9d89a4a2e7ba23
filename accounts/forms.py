"""Forms of the accounts app: signup, email login, saved addresses, admin user forms.

Django 5.2 renders ``aria-invalid`` and ``aria-describedby`` (help text and errors) for every
field, so templates only need ``{% include "accounts/_field.html" %}``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import (
    AdminUserCreationForm,
    AuthenticationForm,
    BaseUserCreationForm,
    UserChangeForm,
)
from django.utils.translation import gettext_lazy as _

from accounts.countries import CountryField, postal_code_error
from accounts.models import Address, User


def _email_widget(autofocus: bool = True) -> forms.EmailInput:
    attrs = {"autocomplete": "email"}
    if autofocus:
        attrs["autofocus"] = True
    return forms.EmailInput(attrs=attrs)


class SignupForm(BaseUserCreationForm):
    """Email, full name and a password typed twice (Django's password validators apply)."""

    class Meta:
        model = User
        fields = ("email", "full_name")
        labels = {"email": _("Email address"), "full_name": _("Full name")}
        widgets = {
            "email": _email_widget(),
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        self.fields["password1"].widget.attrs["autocomplete"] = "new-password"
        self.fields["password2"].widget.attrs["autocomplete"] = "new-password"

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def validate_unique(self) -> None:
        """Everything but the email: whether an address has an account is never said here
        (``accounts.registration.register`` emails its owner instead)."""
        exclude = self._get_validation_exclusions() | {"email"}
        try:
            self.instance.validate_unique(exclude=exclude)
        except forms.ValidationError as exc:
            self._update_errors(exc)

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with the email address (case-insensitive, as emails are stored lower-case)."""

    username = forms.EmailField(label=_("Email address"), max_length=254, widget=_email_widget())

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "That email address and password do not match an account. Check both and try again."
        ),
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class AddressForm(forms.ModelForm):
    country = CountryField(
        label=_("Country"),
        invalid_message=_("Enter the two-letter country code, for example DE, GB or US."),
    )

    class Meta:
        model = Address
        fields = ("full_name", "line1", "line2", "city", "postal_code", "country", "phone")
        labels = {
            "full_name": _("Full name"),
            "line1": _("Address line 1"),
            "line2": _("Address line 2"),
            "city": _("City"),
            "postal_code": _("Postal code"),
            "phone": _("Phone (optional)"),
        }
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        error = postal_code_error(cleaned.get("country", ""), cleaned.get("postal_code", ""))
        if error and "postal_code" not in self.errors:
            self.add_error("postal_code", error)
        return cleaned


class AdminUserAddForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class AdminUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
