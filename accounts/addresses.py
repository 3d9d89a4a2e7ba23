"""Saved addresses: the few rules that are more than a form save."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Address, User


def save_address(user: User, address: Address) -> Address:
    """Save ``address`` for ``user``; a user's first address becomes the default."""
    with transaction.atomic():
        address.user = user
        if not Address.objects.filter(user=user).exclude(pk=address.pk).exists():
            address.is_default = True
        address.save()
    return address


def set_default(address: Address) -> Address:
    """Make ``address`` its user's only default address."""
    with transaction.atomic():
        Address.objects.filter(user_id=address.user_id, is_default=True).exclude(
            pk=address.pk
        ).update(is_default=False)
        if not address.is_default:
            address.is_default = True
            address.save(update_fields=["is_default"])
    return address


def delete_address(address: Address) -> None:
    """Delete ``address``; if it was the default, the newest remaining one takes over."""
    with transaction.atomic():
        was_default = address.is_default
        user_id = address.user_id
        address.delete()
        if was_default:
            successor = Address.objects.filter(user_id=user_id).order_by("-created_at").first()
            if successor is not None:
                set_default(successor)
