"""The admin's refund form: units per order line, the shipping, a free amount with a reason."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from orders.models import Order


class RefundForm(forms.Form):
    include_shipping = forms.BooleanField(required=False, label="Refund the shipping")
    amount = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        label="Free amount (gross)",
        help_text="Given back beyond the items and shipping; needs a reason.",
    )
    reason = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, order: Order, left: dict[int, int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.order_lines = list(order.lines.all())
        for line in self.order_lines:
            units = line.quantity - left.get(line.pk, 0)
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                required=False,
                min_value=0,
                max_value=max(units, 0),
                initial=0,
                label=f"{line.name} ({line.sku})",
                help_text=f"{units} of {line.quantity} left to refund",
            )

    def lines(self) -> dict[int, int]:
        """``OrderLine.pk`` -> units to refund (lines left at 0 are not refunded)."""
        chosen = {}
        for line in self.order_lines:
            units = self.cleaned_data.get(f"line_{line.pk}") or 0
            if units:
                chosen[line.pk] = units
        return chosen
