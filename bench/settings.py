"""Benchmark settings: the shop's own settings plus a trivial view to compare against."""

from shop.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# The load generator is one client placing many orders: the abuse limits would stop it.
RATE_LIMIT_CHECKOUT = RATE_LIMIT_GUEST_EMAIL = RATE_LIMIT_ANONYMOUS_CARTS = "1000000/s"
CHECKOUT_DECLINE_LIMIT = 1_000_000
