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


class CartSerializer(serializers.Serializer):
    """A ``cart.services.CartSummary``: current database prices and stock, never prices sent
    by the client."""

    lines = CartLineSerializer(many=True)
    item_count = serializers.IntegerField(help_text="Units in the cart.")
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_currency(self, summary: CartSummary) -> str:
        return settings.SHOP_CURRENCY


class AddItemSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1, max_value=2**53)
    quantity = serializers.IntegerField(min_value=MIN_QUANTITY, max_value=MAX_QUANTITY, default=1)


class SetQuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=MIN_QUANTITY, max_value=MAX_QUANTITY)
