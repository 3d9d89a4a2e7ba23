"""``python manage.py seed_demo``: the demo catalog, a demo admin and a demo shopper.

Idempotent: categories, products and users are matched by slug, SKU and email, so a second run
updates them in place and creates nothing new. Stock is only set when a product has no stock row
yet: re-running the seed never overwrites stock that orders have since reserved or sold.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify

from accounts.models import Address, User
from catalog import artwork, demo_data, demo_specs, images
from catalog.models import Category, Product, ProductImage, StockLevel

# Pictures per demo product: the cover plus this many more on the product page.
EXTRA_PICTURES = 1


class Command(BaseCommand):
    help = "Create (or update) the demo catalog, a demo admin and a demo shopper."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            categories, new_categories = self._categories()
            new_products, new_stock = self._products(categories)
            self._user(demo_data.ADMIN_EMAIL, demo_data.ADMIN_PASSWORD, "Demo Admin", staff=True)
            shopper = self._user(
                demo_data.SHOPPER_EMAIL, demo_data.SHOPPER_PASSWORD, demo_data.SHOPPER_NAME
            )
            Address.objects.get_or_create(
                user=shopper,
                line1=demo_data.SHOPPER_ADDRESS["line1"],
                postal_code=demo_data.SHOPPER_ADDRESS["postal_code"],
                defaults={**demo_data.SHOPPER_ADDRESS, "is_default": True},
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(categories)} categories ({new_categories} new), "
                f"{len(demo_data.PRODUCTS)} products ({new_products} new, "
                f"{new_stock} stock levels set)."
            )
        )
        self.stdout.write(
            f"  demo admin:   {demo_data.ADMIN_EMAIL} / {demo_data.ADMIN_PASSWORD}  (/admin/)\n"
            f"  demo shopper: {demo_data.SHOPPER_EMAIL} / {demo_data.SHOPPER_PASSWORD}"
        )

    def _categories(self) -> tuple[dict[str, Category], int]:
        categories: dict[str, Category] = {}
        created_count = 0
        for slug, name, description in demo_data.CATEGORIES:
            category, created = Category.objects.update_or_create(
                slug=slug, defaults={"name": name, "description": description}
            )
            categories[slug] = category
            created_count += created
        return categories, created_count

    def _products(self, categories: dict[str, Category]) -> tuple[int, int]:
        new_products = new_stock = 0
        for sku, category_slug, name, price, stock, description in demo_data.PRODUCTS:
            product, created = Product.objects.update_or_create(
                sku=sku,
                defaults={
                    "category": categories[category_slug],
                    "name": name,
                    "slug": slugify(name),
                    "price": Decimal(price),
                    "description": description,
                    "specifications": demo_specs.SPECS.get(sku, {}),
                    "tax_class": demo_data.tax_class_of(sku),
                    "is_active": True,
                },
            )
            new_products += created
            self._pictures(product)
            _, stock_created = StockLevel.objects.get_or_create(
                product=product, defaults={"quantity": stock}
            )
            new_stock += stock_created
        return new_products, new_stock

    def _pictures(self, product: Product) -> None:
        """Render the product's artwork (once: files already on disk are kept)."""
        storage = Product._meta.get_field("image").storage
        stem = f"products/{product.sku.lower()}"
        cover = _render(storage, f"{stem}-1.jpg", product, variant=0)
        if product.image.name != cover or not product.image_alt:
            product.image.name = cover
            product.image_alt = f"{product.name}, illustration"
            product.save(update_fields=["image", "image_alt", "updated_at"])
        for position in range(1, EXTRA_PICTURES + 1):
            name = _render(storage, f"{stem}-{position + 1}.jpg", product, variant=position)
            ProductImage.objects.update_or_create(
                product=product,
                position=position,
                defaults={"image": name, "alt_text": f"{product.name}, second view"},
            )

    def _user(self, email: str, password: str, full_name: str, staff: bool = False) -> User:
        user, _ = User.objects.update_or_create(
            email=email,
            defaults={
                "full_name": full_name,
                "is_staff": staff,
                "is_superuser": staff,
                "is_active": True,
            },
        )
        if not user.check_password(password):  # the printed credentials always work
            user.set_password(password)
            user.save(update_fields=["password"])
        return user


def _render(storage: Storage, name: str, product: Product, variant: int) -> str:
    """Write the picture ``name`` and its thumbnails unless they exist; return its name."""
    if not storage.exists(name):
        data = artwork.render(product.category.slug, product.sku, product.name, variant)
        name = storage.save(name, ContentFile(data))
    images.make_thumbnails(storage, name)
    return name
