from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.forms import AdminUserAddForm, AdminUserChangeForm
from accounts.models import Address, User


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = ("full_name", "line1", "line2", "postal_code", "city", "country", "is_default")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's UserAdmin with the email address in place of the username."""

    form = AdminUserChangeForm
    add_form = AdminUserAddForm
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "full_name")
    readonly_fields = ("last_login", "date_joined")
    inlines = [AddressInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # addresses once the user exists

    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("full_name",)}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("full_name", "user", "line1", "postal_code", "city", "country", "is_default")
    list_filter = ("country", "is_default")
    search_fields = ("full_name", "line1", "city", "postal_code", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
