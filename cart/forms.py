"""Cart forms: thin wrappers whose validation is ``cart.services.parse_quantity``."""

from __future__ import annotations

from django import forms

from cart.services import MAX_QUANTITY, MIN_QUANTITY, CartError, parse_quantity


class CartLineForm(forms.Form):
    """One product and a quantity (add to cart, change quantity)."""

    product_id = forms.CharField(widget=forms.HiddenInput)
    quantity = forms.CharField(
        initial=1,
        widget=forms.NumberInput(attrs={"min": MIN_QUANTITY, "max": MAX_QUANTITY, "size": 3}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_quantity(self) -> int:
        try:
            return parse_quantity(self.cleaned_data.get("quantity"))
        except CartError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc


class AddToCartForm(CartLineForm):
    """Rendered by the product listing and detail pages: ``AddToCartForm(product=p)``."""

    def __init__(self, *args, product=None, **kwargs) -> None:
        if product is not None:
            kwargs.setdefault("initial", {})["product_id"] = product.pk
        super().__init__(*args, **kwargs)
