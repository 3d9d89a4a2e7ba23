"""The "Return items" form: a quantity per returnable order line, and a reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from returns.services.requesting import MAX_REASON_CHARS, ReturnableLine


def field_name(position: int) -> str:
    """The order line's field: by its position on the order (no internal ids in pages)."""
    return f"line_{position}"


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you returning these items?"),
        max_length=MAX_REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, items: list[ReturnableLine], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for position, item in enumerate(items, start=1):
            self.fields[field_name(position)] = forms.IntegerField(
                label=item.line.name,
                min_value=0,
                max_value=item.available,
                initial=0,
                required=False,
                disabled=item.available == 0,
            )

    def rows(self) -> list[tuple[ReturnableLine, forms.BoundField]]:
        return [(item, self[field_name(n)]) for n, item in enumerate(self.items, start=1)]

    def quantities(self) -> dict[int, int]:
        return {
            item.line.pk: self.cleaned_data.get(field_name(n)) or 0
            for n, item in enumerate(self.items, start=1)
            if item.available
        }
