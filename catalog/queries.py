"""Read-side queries of the catalog: listing, search and the home page selections.

Every product list goes through ``Product.objects.for_listing()`` (category and stock joined in
the same query), so the number of queries does not grow with the number of products shown.
"""

from __future__ import annotations

from functools import reduce
from operator import and_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, Count, FloatField, Q, QuerySet, Value, When

from catalog.models import Category, Product

MAX_QUERY_TERMS = 8
MAX_QUERY_LENGTH = 100
SEARCH_CONFIG = "english"  # the catalog is written in English: stems "coffees" to "coffee"


def search_terms(q: str) -> list[str]:
    """Split a search box value into at most ``MAX_QUERY_TERMS`` words."""
    return q[:MAX_QUERY_LENGTH].split()[:MAX_QUERY_TERMS]


def product_listing(
    q: str = "",
    category: Category | None = None,
    sort: str = "",
    in_stock: bool = False,
) -> QuerySet[Product]:
    """Active products, optionally in ``category``, in stock, and matching ``q``; sorted by
    ``sort`` (one of ``SORTS``; the default is relevance when searching, else name).

    On PostgreSQL a search is full-text (name weighs most, then the category's name, then the
    description) ranked by ``SearchRank``; elsewhere every word must appear in the name, SKU,
    category name or description, and a match in the name ranks first."""
    products = Product.objects.for_listing()
    if category is not None:
        products = products.filter(category=category)
    if in_stock:
        products = products.filter(stock__quantity__gt=0)
    terms = search_terms(q)
    if terms:
        products = _search(products, terms)
    sort = sort if sort in SORTS else ("relevance" if terms else "name")
    if sort == "relevance" and not terms:
        sort = "name"
    return products.order_by(*SORTS[sort])


SORTS: dict[str, tuple[str, ...]] = {
    "relevance": ("-rank", "name", "pk"),
    "price": ("price", "name", "pk"),
    "-price": ("-price", "name", "pk"),
    "name": ("name", "pk"),
    "newest": ("-created_at", "-pk"),
}


def _search(products: QuerySet[Product], terms: list[str]) -> QuerySet[Product]:
    """``products`` matching ``terms``, annotated with a ``rank`` (higher: better)."""
    if connection.vendor == "postgresql":
        vector = (
            SearchVector("name", weight="A", config=SEARCH_CONFIG)
            + SearchVector("category__name", weight="B", config=SEARCH_CONFIG)
            + SearchVector("description", weight="C", config=SEARCH_CONFIG)
        )
        query = SearchQuery(" ".join(terms), search_type="websearch", config=SEARCH_CONFIG)
        return products.annotate(search=vector, rank=SearchRank(vector, query)).filter(
            Q(search=query) | Q(sku__iexact=" ".join(terms))
        )
    matches = reduce(
        and_,
        (
            Q(name__icontains=t)
            | Q(sku__icontains=t)
            | Q(category__name__icontains=t)
            | Q(description__icontains=t)
            for t in terms
        ),
    )
    in_name = reduce(and_, (Q(name__icontains=t) for t in terms))
    in_category = reduce(and_, (Q(category__name__icontains=t) for t in terms))
    rank = Case(
        When(in_name, then=Value(1.0)),
        When(in_category, then=Value(0.5)),
        default=Value(0.1),
        output_field=FloatField(),
    )
    return products.filter(matches).annotate(rank=rank)


def related_products(product: Product, limit: int = 4) -> list[Product]:
    """Other active products of ``product``'s category, in stock first, newest first (one query)."""
    return list(
        Product.objects.for_listing()
        .filter(category_id=product.category_id)
        .exclude(pk=product.pk)
        .order_by(
            Case(When(stock__quantity__gt=0, then=Value(0)), default=Value(1)),
            "-created_at",
            "-pk",
        )[:limit]
    )


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
