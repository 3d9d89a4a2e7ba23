"""Cart API shapes. Input serializers check the shape only; ``cart.services`` decides."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cart.services import MAX_QUANTITY, MIN_QUANTITY, CartSummary


class CartProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    sku = serializers.CharField()
    name = serializers.CharField()


class CartLineSerializer(serializers.Serializer):
    product = CartProductSerializer()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    problem = serializers.CharField(
        help_text="Why this line can't be ordered as is (sold out, only N left); empty when fine."
    )
    tax_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, help_text="VAT percent of the line at `tax_country`."
    )


class RateTotalSerializer(serializers.Serializer):
    """VAT of one rate: the net amount it is charged on and the tax."""

    rate = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="Percent.")
    net = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax = serializers.DecimalField(max_digits=12, decimal_places=2)


class CartSerializer(serializers.Serializer):
    """A ``cart.services.CartSummary``: current database prices and stock, never prices sent
    by the client."""

    lines = CartLineSerializer(many=True)
    item_count = serializers.IntegerField(help_text="Units in the cart.")
    subtotal = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="The lines at their prices, before discount."
    )
    voucher_code = serializers.CharField(help_text="The cart's voucher code; empty when none.")
    voucher_problem = serializers.CharField(
        help_text="Why the voucher gives no discount now (expired, used up...); empty when fine."
    )
    discount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="The voucher's discount, as prices are."
    )
    free_shipping = serializers.BooleanField(help_text="The voucher makes shipping free.")
    prices_include_tax = serializers.BooleanField(
        help_text="Prices are gross (VAT included); false: net, VAT is added."
    )
    tax_country = serializers.CharField(
        source="country", help_text="The country whose VAT is shown (the shop's, until checkout)."
    )
    taxes = RateTotalSerializer(many=True, help_text="VAT per rate (rates above 0).")
    tax_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="The lines after the discount, VAT included; shipping is added at checkout.",
    )
    currency = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_currency(self, summary: CartSummary) -> str:
        return settings.SHOP_CURRENCY


class AddItemSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1, max_value=2**53)
    quantity = serializers.IntegerField(min_value=MIN_QUANTITY, max_value=MAX_QUANTITY, default=1)


class SetQuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=MIN_QUANTITY, max_value=MAX_QUANTITY)


class VoucherSerializer(serializers.Serializer):
    voucher_code = serializers.CharField(
        max_length=40,
        allow_blank=True,
        allow_null=True,
        help_text="The code to apply; empty or null removes the cart's voucher.",
    )
