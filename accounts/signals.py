"""Friendly messages on logout (Django's LogoutView adds none)."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


@receiver(user_logged_out)
def say_goodbye(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "_messages"):
        messages.info(request, "You have been logged out.")
