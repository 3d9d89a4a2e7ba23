"""Benchmark settings: the shop's own settings plus a trivial view to compare against."""

from shop.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
