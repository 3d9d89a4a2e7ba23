"""Names as emails may show them: ``{{ name|greeting }}`` gives " Ada Lovelace" (or "" so the
line reads "Hello,"). A name is what a stranger typed into a form: the shop must not carry their
text (a link, an offer) to whatever address they typed beside it."""

from __future__ import annotations

import re
import unicodedata

from django import template

register = template.Library()

MAX_NAME_CHARS = 40
_ALLOWED_PUNCTUATION = frozenset("'-.&")
_LINK_LIKE = re.compile(r"(://|www\.|@|[\w-]+\.[a-z]{2,})", re.IGNORECASE)


def email_name(name: str) -> str:
    """Letters, spaces and ' - . & only, at most 40 characters; "" if it looks like a link or
    an address, or nothing is left."""
    name = " ".join(str(name or "").split())
    if _LINK_LIKE.search(name):
        return ""
    kept = "".join(
        ch for ch in name if unicodedata.category(ch)[0] in "LMZ" or ch in _ALLOWED_PUNCTUATION
    )
    kept = " ".join(kept.split())[:MAX_NAME_CHARS].strip()
    return kept if any(ch.isalpha() for ch in kept) else ""


@register.filter
def greeting(name: str) -> str:
    """ " <name>" for "Hello<name>,", or "" when the name can't be shown."""
    cleaned = email_name(name)
    return f" {cleaned}" if cleaned else ""
