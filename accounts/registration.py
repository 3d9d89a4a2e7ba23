"""Signup and password reset that answer the same whether or not an email has an account.

Both answer at once with the same page; what differs (a welcome email, an "you already have an
account" email, a reset link or nothing) is sent afterwards, off the request path
(``shop.background``), so neither the page nor its timing tells whether an address is known.
Links in these emails start with ``SHOP_BASE_URL``, never the request's Host header.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.contrib.auth.hashers import make_password
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User
from shop.background import run_later


def base_url() -> str:
    return settings.SHOP_BASE_URL.rstrip("/")


def register(*, email: str, full_name: str, password: str) -> None:
    """Create the account, or (the email has one) tell its owner by email. Same work, same
    answer either way."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, full_name=full_name)
    except IntegrityError:
        user = None
    if user is not None:
        run_later(_send_account_email, "welcome", user)
        return
    make_password(password)  # the hashing a new account costs: no timing difference
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        run_later(_send_account_email, "existing", existing)


def _send_account_email(kind: str, user: User) -> None:
    context = {
        "user": user,
        "login_url": base_url() + reverse("accounts:login"),
        "reset_url": base_url() + reverse("accounts:password_reset"),
    }
    subject = render_to_string(f"registration/signup_{kind}_subject.txt", context)
    body = render_to_string(f"registration/signup_{kind}_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's reset form with the link on ``SHOP_BASE_URL`` and the email sent off the
    request path: the page answers as fast for a known address as for an unknown one."""

    def save(self, **kwargs: Any) -> None:  # type: ignore[override]
        users = list(self.get_users(self.cleaned_data["email"]))  # one query either way
        parts = urlsplit(base_url())
        kwargs.update(
            domain_override=parts.netloc,
            use_https=parts.scheme == "https",
            request=None,
            extra_email_context={
                **(kwargs.get("extra_email_context") or {}),
                "base_url": base_url(),
            },
        )
        run_later(self._send, users, kwargs)

    def _send(self, users: list[User], kwargs: dict[str, Any]) -> None:
        self.get_users = lambda email: iter(users)  # type: ignore[method-assign]
        super().save(**kwargs)
