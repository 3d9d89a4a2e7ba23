from django.contrib import admin

from promotions.models import Voucher, VoucherUsage


class VoucherUsageInline(admin.TabularInline):
    model = VoucherUsage
    extra = 0
    can_delete = False
    fields = ("order", "email", "state", "created_at", "released_at")
    readonly_fields = fields
    raw_id_fields = ("order",)
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # usages are taken and given back by checkout and the order's saga


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "kind",
        "value",
        "free_shipping",
        "minimum_subtotal",
        "times_used",
        "usage_limit",
        "usage_limit_per_customer",
        "valid_from",
        "valid_until",
        "is_active",
    )
    list_filter = ("is_active", "kind", "free_shipping")
    search_fields = ("code", "description")
    readonly_fields = ("times_used", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "description", "is_active")}),
        ("Discount", {"fields": ("kind", "value", "free_shipping", "minimum_subtotal")}),
        ("Validity", {"fields": ("valid_from", "valid_until")}),
        ("Limits", {"fields": ("usage_limit", "usage_limit_per_customer", "times_used")}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )
    inlines = [VoucherUsageInline]
