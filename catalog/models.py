from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from catalog import images, specifications
from taxes.models import TaxClass


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ProductQuerySet(models.QuerySet["Product"]):
    def active(self) -> "ProductQuerySet":
        return self.filter(is_active=True)

    def for_listing(self) -> "ProductQuerySet":
        return self.active().select_related("category", "stock")


class Product(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    sku = models.CharField("SKU", max_length=64, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    is_active = models.BooleanField("active", default=True)
    # Which VAT rate of the destination applies (taxes.TaxRate): food and books are reduced.
    tax_class = models.CharField(max_length=20, choices=TaxClass.choices, default=TaxClass.STANDARD)
    # The cover picture (listing, cart, first on the product page); more pictures: ProductImage.
    image = models.ImageField(upload_to="products/", blank=True)
    image_alt = models.CharField("image alt text", max_length=200, blank=True)
    # {"weight": "250 g", ...}: keys from catalog.specifications.LABELS (others shown as written).
    specifications = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    # "only N left" is shown at or below this many units.
    LOW_STOCK_THRESHOLD = 5

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="product_price_not_negative"
            )
        ]
        indexes = [models.Index(fields=["is_active", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        images.ensure_thumbnails(self.image)

    def get_absolute_url(self) -> str:
        return reverse("catalog:product_detail", kwargs={"slug": self.slug})

    @property
    def image_srcset(self) -> str:
        return images.srcset(self.image)

    @property
    def specification_rows(self) -> list[tuple[str, str]]:
        return specifications.rows(self.specifications)

    @property
    def image_description(self) -> str:
        """The cover's alt text (the product's name when none was written)."""
        return self.image_alt or self.name

    @property
    def available_quantity(self) -> int:
        """Units that can still be sold (0 when no stock row exists)."""
        try:
            return self.stock.quantity
        except StockLevel.DoesNotExist:
            return 0

    @property
    def stock_state(self) -> str:
        """One of ``in_stock``, ``low`` and ``out``."""
        qty = self.available_quantity
        if qty <= 0:
            return "out"
        if qty <= self.LOW_STOCK_THRESHOLD:
            return "low"
        return "in_stock"


class ProductImage(models.Model):
    """A further picture of a product, shown after the cover on the product page."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/")
    alt_text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.product.sku} #{self.position}"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        images.ensure_thumbnails(self.image)

    @property
    def srcset(self) -> str:
        return images.srcset(self.image)


class StockLevel(models.Model):
    """Units available to sell. Changed only by ``orders.inventory`` under row locks."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="stock")
    quantity = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="stock_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.product.sku}: {self.quantity}"
