"""Merge the anonymous cart into the user's cart when they log in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from cart.services import SESSION_CART_ID, cart_for_session, merge_into_user_cart


@receiver(user_logged_in, dispatch_uid="cart.merge_on_login")
def merge_cart_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # login() rotates the session key but keeps the session data, where the cart id lives.
    session = getattr(request, "session", None)
    if session is None or session.get(SESSION_CART_ID) is None:
        return
    session_cart = cart_for_session(session, create=False)
    session.pop(SESSION_CART_ID, None)
    for message in merge_into_user_cart(session_cart, user):
        messages.info(request, message, fail_silently=True)
