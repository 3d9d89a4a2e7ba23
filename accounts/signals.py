"""Account signals: a friendly message on logout (Django's LogoutView adds none), and what a
password change must end (API tokens, a login lockout): see ``accounts.tokens``."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver

from accounts.models import User
from accounts.tokens import password_changed


@receiver(user_logged_out)
def say_goodbye(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "_messages"):
        messages.info(request, "You have been logged out.")


@receiver(pre_save, sender=User)
def end_old_credentials(sender, instance: User, raw: bool = False, **kwargs) -> None:
    """A save after ``set_password`` (change, reset, admin, ``changepassword``): Django keeps
    the new raw password in ``_password`` until the save. A hash upgrade at login does not."""
    if raw or instance.pk is None or getattr(instance, "_password", None) is None:
        return
    transaction.on_commit(lambda: password_changed(instance), robust=True)
