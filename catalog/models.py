from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse


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
    image = models.ImageField(upload_to="products/", blank=True)
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

    def get_absolute_url(self) -> str:
        return reverse("catalog:product_detail", kwargs={"slug": self.slug})

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
