"""SQL queries per request of the benchmarked pages, with Django's test client.

Run by ``bench.pages`` in a child process with the server's settings and database
(``DJANGO_SETTINGS_MODULE=bench.settings``); prints one JSON object. Each page is counted at
two sizes (12 vs few listed products, 1 vs 10 cart lines) to show whether queries grow with
the number of items.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid

SIGNED_IN_REPEATS = 60


class QueryCounter:
    """Counts the SQL statements run while installed (``connection.execute_wrapper``)."""

    def __init__(self) -> None:
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001, ANN204
        self.queries += 1
        return execute(sql, params, many, context)


CHECKOUT_FORM = {
    "email": "bench@example.com",
    "full_name": "Bench Mark",
    "line1": "1 Loop Road",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "shipping_method": "standard",
    "card_number": "4242424242424242",
    "expiry": "12/99",
    "cvc": "123",
}


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from catalog.models import Product
    from catalog.queries import categories_with_counts

    client = Client(HTTP_HOST="127.0.0.1")
    products = list(Product.objects.for_listing().filter(stock__quantity__gt=5).order_by("pk")[:10])
    smallest = min(categories_with_counts(), key=lambda cat: cat.product_count)
    out: dict[str, dict[str, int]] = {}

    def count(name: str, method: str, path: str, **kwargs: object) -> None:
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            response = getattr(client, method)(path, **kwargs)
        out[name] = {"queries": counter.queries, "status": response.status_code}

    def add(product: Product) -> None:
        client.post("/cart/add/", {"product_id": product.pk, "quantity": 1})

    def checkout() -> dict[str, str]:
        return {**CHECKOUT_FORM, "checkout_token": uuid.uuid4().hex}

    count("trivial", "get", "/bench/trivial/")
    count("listing (page 1, 12 items)", "get", "/products/")
    count("listing (page 1, again: page cache)", "get", "/products/")
    by_category = f"/products/?category={smallest.slug}"
    count(f"listing ({smallest.product_count} items)", "get", by_category)
    count("listing (last page)", "get", "/products/?page=999")
    count("detail", "get", products[0].get_absolute_url())
    # Signed in (never from the page cache): queries, and the CPU time per request in-process.
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(email="bench-signed-in@example.com")
    signed_in = Client(HTTP_HOST="127.0.0.1")
    signed_in.force_login(user)
    for name, path in (("listing", "/products/"), ("detail", products[0].get_absolute_url())):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            response = signed_in.get(path)
        times = []
        for _ in range(SIGNED_IN_REPEATS):
            started = time.process_time()  # this process's CPU: steadier than wall time
            signed_in.get(path)
            times.append(1000 * (time.process_time() - started))
        out[f"{name} (signed in)"] = {
            "queries": counter.queries,
            "status": response.status_code,
            "cpu_ms_median": round(statistics.median(times), 2),
        }
    add(products[0])
    count("cart (1 line)", "get", "/cart/")
    for product in products[1:]:
        add(product)
    count(f"cart ({len(products)} lines)", "get", "/cart/")
    count(f"checkout POST ({len(products)} lines)", "post", "/checkout/", data=checkout())
    add(products[0])
    count("checkout POST (1 line)", "post", "/checkout/", data=checkout())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
