"""Storefront pages: home, product listing (filter, search, pagination) and product detail.

Anonymous visitors get them from the shared page cache while the catalog version is unchanged
(``shop.page_cache``, ``catalog.cache``); signed-in visitors get them rendered.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from catalog import cache, queries
from catalog.models import Category, Product
from shop.page_cache import anonymous_page_cache

PAGE_SIZE = 12


@anonymous_page_cache(cache.CATALOG_VERSION_KEY)
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {
            "featured": queries.featured_products(),
            "categories": cache.categories_with_counts(),
        },
    )


@anonymous_page_cache(cache.CATALOG_VERSION_KEY)
def product_list(request: HttpRequest) -> HttpResponse:
    # PostgreSQL rejects NUL characters in text: drop them rather than fail the page.
    q = request.GET.get("q", "").replace("\x00", "").strip()
    category_slug = request.GET.get("category", "").replace("\x00", "").strip()
    categories = cache.categories_with_counts()
    category = None
    if category_slug:
        # The sidebar's list usually has it already; an empty category still needs a lookup.
        category = next((c for c in categories if c.slug == category_slug), None)
        category = category or get_object_or_404(Category, slug=category_slug)
    sort = request.GET.get("sort", "")
    sort = sort if sort in queries.SORTS else ""
    in_stock = request.GET.get("in_stock") == "1"
    products = queries.product_listing(q=q, category=category, sort=sort, in_stock=in_stock)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    # Query string for pagination links: everything except the page number.
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "catalog/product_list.html",
        {
            "page_obj": page,
            "products": page.object_list,
            "q": q,
            "category": category,
            "sort": sort or ("relevance" if q else "name"),
            "sort_options": _sort_options(bool(q)),
            "in_stock": in_stock,
            "categories": categories,
            "querystring": params.urlencode(),
        },
    )


def _sort_options(searching: bool) -> list[tuple[str, str]]:
    """The listing's sort choices, in the shopper's words (relevance only for a search)."""
    options = [
        ("name", _("Name")),
        ("price", _("Price: low to high")),
        ("-price", _("Price: high to low")),
        ("newest", _("Newest")),
    ]
    return [("relevance", _("Best match")), *options] if searching else options


@anonymous_page_cache(cache.CATALOG_VERSION_KEY)
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product.objects.for_listing(), slug=slug)
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "gallery": list(product.images.all()),
            "related": queries.related_products(product),
        },
    )
