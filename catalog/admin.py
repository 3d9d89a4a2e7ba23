from django.contrib import admin
from django.db.models import Count

from catalog.forms import StockLevelAdminForm
from catalog.models import Category, Product, StockLevel
from shop.money import format_money


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "product_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_product_count=Count("products"))

    @admin.display(description="products", ordering="_product_count")
    def product_count(self, obj: Category) -> int:
        return obj._product_count


class StockLevelInline(admin.StackedInline):
    model = StockLevel
    form = StockLevelAdminForm
    can_delete = False
    fields = ("quantity", "seen_quantity", "updated_at")
    readonly_fields = ("updated_at",)
    verbose_name = "stock"
    verbose_name_plural = "stock"


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "sku", "category", "price_display", "stock_quantity", "is_active")
    list_filter = ("category", "is_active")
    list_editable = ("is_active",)
    list_select_related = ("category", "stock")
    search_fields = ("name", "sku", "description")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("category",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [StockLevelInline]
    list_per_page = 50

    @admin.display(description="price", ordering="price")
    def price_display(self, product: Product) -> str:
        return format_money(product.price)

    @admin.display(description="stock", ordering="stock__quantity")
    def stock_quantity(self, obj: Product) -> int:
        return obj.available_quantity
