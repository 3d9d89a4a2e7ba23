"""Catalog API shapes: categories and products with the availability the pages show."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Category, Product


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name", "description"]


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]


class ProductListSerializer(serializers.ModelSerializer):
    """A product as listed. ``available_quantity`` is exact only when stock is low (at most
    ``Product.LOW_STOCK_THRESHOLD``) or out, like the "only N left" of the pages; when plenty is
    in stock it is ``null`` so stock levels are not published."""

    category = CategoryRefSerializer(read_only=True)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    stock_state = serializers.ChoiceField(
        choices=[("in_stock", "In stock"), ("low", "Only a few left"), ("out", "Out of stock")],
        read_only=True,
    )
    available_quantity = serializers.SerializerMethodField()
    image = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "sku",
            "name",
            "price",
            "category",
            "stock_state",
            "available_quantity",
            "image",
        ]

    @extend_schema_field({"type": "integer", "nullable": True, "minimum": 0})
    def get_available_quantity(self, product: Product) -> int | None:
        if product.stock_state == "in_stock":
            return None
        return max(product.available_quantity, 0)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_image(self, product: Product) -> str | None:
        if not product.image:
            return None
        request = self.context.get("request")
        url = product.image.url
        return request.build_absolute_uri(url) if request else url


class ProductDetailSerializer(ProductListSerializer):
    currency = serializers.SerializerMethodField()

    class Meta(ProductListSerializer.Meta):
        fields = [*ProductListSerializer.Meta.fields, "description", "currency"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_currency(self, product: Product) -> str:
        return settings.SHOP_CURRENCY
