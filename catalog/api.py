"""Catalog endpoints: categories and products (read-only, public)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from catalog.models import Category, Product
from catalog.serializers import CategorySerializer, ProductDetailSerializer, ProductListSerializer
from shop.api_errors import error_responses


@extend_schema_view(
    list=extend_schema(
        summary="List categories",
        responses={200: CategorySerializer(many=True), **error_responses(404)},
    ),
    retrieve=extend_schema(
        summary="A category", responses={200: CategorySerializer, **error_responses(404)}
    ),
)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CategorySerializer
    queryset = Category.objects.order_by("name")
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    pagination_class = None


@extend_schema_view(
    list=extend_schema(
        summary="List products",
        parameters=[
            OpenApiParameter("category", str, description="Only products of this category (slug)."),
            OpenApiParameter("search", str, description="Words in the name, SKU or description."),
        ],
        responses={200: ProductListSerializer(many=True), **error_responses(404)},
    ),
    retrieve=extend_schema(
        summary="A product with its availability",
        responses={200: ProductDetailSerializer, **error_responses(404)},
    ),
)
class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_serializer_class(self):
        return ProductDetailSerializer if self.action == "retrieve" else ProductListSerializer

    def get_queryset(self) -> QuerySet[Product]:
        products = Product.objects.for_listing().order_by("name", "pk")
        if self.action != "list":
            return products
        params = self.request.query_params
        category = _clean(params.get("category", ""))
        if category:
            products = products.filter(category__slug=category)
        for word in _clean(params.get("search", "")).split()[:10]:
            products = products.filter(
                Q(name__icontains=word) | Q(sku__icontains=word) | Q(description__icontains=word)
            )
        return products


def _clean(value: str) -> str:
    """Query text as the database can take it (PostgreSQL rejects NUL characters)."""
    return value.replace("\x00", "").strip()[:200]
