"""Catalog endpoints: categories and products (read-only, public)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from catalog import queries
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
        if self.action != "list":
            return Product.objects.for_listing()
        params = self.request.query_params
        slug = _clean(params.get("category", ""))
        category = Category.objects.filter(slug=slug).first() if slug else None
        if slug and category is None:
            return Product.objects.none()
        return queries.product_listing(q=_clean(params.get("search", "")), category=category)


def _clean(value: str) -> str:
    """Query text as the database can take it (PostgreSQL rejects NUL characters)."""
    return value.replace("\x00", "").strip()[:200]
