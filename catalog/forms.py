"""Admin form for the stock inline: a compare-and-set so a staff edit never silently overwrites
units that orders reserved or released while the page was open (the lost update Saleor and
Oscar users know)."""

from __future__ import annotations

from django import forms

from catalog.models import StockLevel
from shop import locks

STOCK_CHANGED = (
    "Stock changed from %(seen)s to %(now)s while this page was open (orders reserved or released "
    "units). Check the new number and save again."
)


class StockLevelAdminForm(forms.ModelForm):
    # The quantity the staff member saw; compared under a row lock on save.
    seen_quantity = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = StockLevel
        fields = ("quantity",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["seen_quantity"].initial = self.instance.quantity

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk is None or not self.has_changed():
            return cleaned
        seen = cleaned.get("seen_quantity")
        # The admin's change view runs in a transaction: the lock holds until the save commits.
        now = locks.stock_level(self.instance.pk).values_list("quantity", flat=True).get()
        if seen is None or seen != now:
            # Re-render with the current number, so a deliberate second save goes through.
            self.data = self.data.copy()
            self.data[self.add_prefix("seen_quantity")] = str(now)
            raise forms.ValidationError(
                STOCK_CHANGED, code="stock_changed", params={"seen": seen, "now": now}
            )
        return cleaned

    def has_changed(self) -> bool:
        return "quantity" in self.changed_data
