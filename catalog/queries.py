"""Read-side queries of the catalog: listing, search and the home page selections.

Every product list goes through ``Product.objects.for_listing()`` (category and stock joined in
the same query), so the number of queries does not grow with the number of products shown.
"""

from __future__ import annotations

from functools import reduce
from operator import and_

from django.db.models import Count, Q, QuerySet

from catalog.models import Category, Product

MAX_QUERY_TERMS = 8
MAX_QUERY_LENGTH = 100


def search_terms(q: str) -> list[str]:
    """Split a search box value into at most ``MAX_QUERY_TERMS`` words."""
    return q[:MAX_QUERY_LENGTH].split()[:MAX_QUERY_TERMS]


def product_listing(q: str = "", category: Category | None = None) -> QuerySet[Product]:
    """Active products, optionally in ``category`` and matching every word of ``q`` in the
    name, SKU or description (case-insensitive)."""
    products = Product.objects.for_listing()
    if category is not None:
        products = products.filter(category=category)
    terms = search_terms(q)
    if terms:
        products = products.filter(
            reduce(
                and_,
                (
                    Q(name__icontains=t) | Q(sku__icontains=t) | Q(description__icontains=t)
                    for t in terms
                ),
            )
        )
    return products.order_by("name", "pk")


def categories_with_counts() -> QuerySet[Category]:
    """Categories that have active products, each with ``product_count`` (one query)."""
    return (
        Category.objects.annotate(
            product_count=Count("products", filter=Q(products__is_active=True))
        )
        .filter(product_count__gt=0)
        .order_by("name")
    )


def featured_products(limit: int = 8) -> list[Product]:
    """Products for the home page: the newest in-stock products, taken in turn from each
    category so one category doesn't fill the shelf (one query)."""
    candidates = list(
        Product.objects.for_listing()
        .filter(stock__quantity__gt=0)
        .order_by("-created_at", "-pk")[: limit * 6]
    )
    by_category: dict[int, list[Product]] = {}
    for product in candidates:
        by_category.setdefault(product.category_id, []).append(product)
    featured: list[Product] = []
    queues = list(by_category.values())
    while queues and len(featured) < limit:
        for queue in list(queues):
            if len(featured) == limit:
                break
            featured.append(queue.pop(0))
            if not queue:
                queues.remove(queue)
    return featured
