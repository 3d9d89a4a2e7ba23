"""Model saves and deletes that change what catalog pages show bump the catalog's versions
(``catalog.cache``): the admin, ``seed_demo`` and any other code that saves through the ORM.
Stock moved by the inventory module's conditional ``UPDATE``s bumps there, on commit."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog import cache
from catalog.models import Category, Product, ProductImage, StockLevel


@receiver([post_save, post_delete], sender=Product, dispatch_uid="catalog-product-version")
@receiver([post_save, post_delete], sender=Category, dispatch_uid="catalog-category-version")
def structure_changed(sender: type, **kwargs: Any) -> None:
    cache.catalog_structure_changed()


@receiver([post_save, post_delete], sender=StockLevel, dispatch_uid="catalog-stock-version")
@receiver([post_save, post_delete], sender=ProductImage, dispatch_uid="catalog-image-version")
def content_changed(sender: type, **kwargs: Any) -> None:
    cache.catalog_changed()
