"""Product specifications: a JSON object of known keys, shown in a fixed order with labels in
the shopper's language (values are the product's own data, like its name and description)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

LABELS = {
    "origin": _("Origin"),
    "roast": _("Roast"),
    "author": _("Author"),
    "pages": _("Pages"),
    "published": _("Published"),
    "material": _("Material"),
    "dimensions": _("Dimensions"),
    "capacity": _("Capacity"),
    "weight": _("Weight"),
    "connection": _("Connection"),
    "battery": _("Battery"),
    "contents": _("Contents"),
    "care": _("Care"),
}


def rows(specifications: dict[str, Any] | None) -> list[tuple[str, str]]:
    """``(label, value)`` pairs: known keys in ``LABELS`` order, then any others as written."""
    specifications = specifications or {}
    known = [
        (str(label), str(specifications[key]))
        for key, label in LABELS.items()
        if key in specifications
    ]
    others = [
        (key.replace("_", " ").capitalize(), str(value))
        for key, value in specifications.items()
        if key not in LABELS
    ]
    return [(label, value) for label, value in known + others if value]
