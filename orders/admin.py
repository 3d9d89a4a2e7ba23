"""Staff view of orders: a list with filters and search, a read-only detail page with a live
workflow panel, and actions (cancel, mark delivered, start missing workflows) that record
who did them in the order's events."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from invoices.admin import CreditNoteInline, InvoiceInline
from orders.admin_filters import NeedsAttentionFilter
from orders.models import (
    EmailNotification,
    GatewayTransaction,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    Reservation,
    Shipment,
)
from orders.services.recovery import recover_workflow
from orders.services.tracking import (
    cancel_order,
    mark_delivered,
    revoke_order_links,
    start_missing_workflow,
)
from orders.status import OrderStatus
from refunds.admin import refunds_panel
from returns.admin import OrderReturnsInline
from shop.admin_inlines import ReadOnlyTabularInline
from shop.money import format_money
from taxes.display import order_rows
from workflows import client


class ReadOnlyInline(ReadOnlyTabularInline):
    show_change_link = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name != "id"]


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "sku",
        "name",
        "unit_price_display",
        "quantity",
        "tax_rate",
        "paid_display",
        "product",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*super().get_readonly_fields(request, obj), "unit_price_display", "paid_display"]

    @admin.display(description="paid (net + VAT)")
    def paid_display(self, line: OrderLine) -> str:
        gross, net, tax = (
            format_money(amount, line.order.currency)
            for amount in (line.gross_amount, line.net_amount, line.tax_amount)
        )
        return f"{gross} ({net} + {tax})"

    @admin.display(description="unit price")
    def unit_price_display(self, line: OrderLine) -> str:
        return format_money(line.unit_price, line.order.currency)

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderLine]:
        return super().get_queryset(request).select_related("product", "order")


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "kind", "from_status", "to_status", "message", "actor")
    ordering = ("created_at", "pk")
    verbose_name_plural = "events (timeline)"


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = (
        "kind",
        "status",
        "amount_display",
        "card_brand",
        "card_last4",
        "gateway_reference",
        "failure_code",
        "idempotency_key",
        "created_at",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*super().get_readonly_fields(request, obj), "amount_display"]

    @admin.display(description="amount")
    def amount_display(self, payment: Payment) -> str:
        return format_money(payment.amount, payment.currency)


class ShipmentInline(ReadOnlyInline):
    model = Shipment
    fields = ("carrier", "tracking_number", "status", "created_at", "updated_at")


class ReservationInline(ReadOnlyInline):
    model = Reservation
    fields = ("product", "quantity", "state", "created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reservation]:
        return super().get_queryset(request).select_related("product")


class EmailNotificationInline(ReadOnlyInline):
    model = EmailNotification
    fields = ("kind", "recipient", "subject", "sent_at", "created_at")


STATUS_COLOURS = {
    OrderStatus.FAILED: "#b91c1c",
    OrderStatus.CANCELLED: "#4b5563",
    OrderStatus.COMPLETED: "#047857",
    OrderStatus.DELIVERED: "#047857",
}


def _panel(order: Order) -> SafeString:
    """The live workflow panel: what Temporal says about this order right now."""
    context: dict[str, Any] = {"order": order, "ui_url": client.workflow_ui_url(order.number)}
    if order.user_id and settings.TEMPORAL_SEARCH_ATTRIBUTES:
        context["customer_ui_url"] = client.customer_workflows_ui_url(order.user_id)
    if order.workflow_started_at is None:
        context["state"] = "not_started"
    else:
        try:
            context["snapshot"] = client.describe_order_workflow(order.number)
            context["state"] = "ok"
        except client.WorkflowNotFound:
            context["state"] = "not_found"
        except client.TemporalUnavailable as exc:
            context["state"] = "unreachable"
            context["error"] = str(exc)[:300]
    return render_to_string("admin/orders/order/workflow_panel.html", context)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "customer", "total_display", "status_badge", "created_at")
    list_filter = (NeedsAttentionFilter, "status", "created_at")
    search_fields = ("number", "email", "user__email")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    list_per_page = 50
    show_full_result_count = False
    actions = (
        "cancel_orders",
        "mark_orders_delivered",
        "start_missing_workflows",
        "recover_workflows",
        "revoke_guest_links",
    )
    inlines = (
        OrderLineInline,
        PaymentInline,
        ShipmentInline,
        ReservationInline,
        EmailNotificationInline,
        InvoiceInline,
        CreditNoteInline,
        OrderReturnsInline,
        OrderEventInline,
    )
    fieldsets = (
        ("Workflow", {"fields": ("workflow_panel",)}),
        ("Refunds", {"fields": ("refunds_display",)}),
        (
            "Order",
            {
                "fields": (
                    "number",
                    "status_badge",
                    "user",
                    "email",
                    "created_at",
                    "updated_at",
                    "failure_reason",
                )
            },
        ),
        (
            "Totals",
            {
                "fields": (
                    "subtotal_display",
                    "shipping_method",
                    "shipping_cost_display",
                    "total_display",
                    "totals_rows_display",
                )
            },
        ),
        (
            "Shipping address",
            {
                "fields": (
                    "ship_full_name",
                    "ship_line1",
                    "ship_line2",
                    "ship_postal_code",
                    "ship_city",
                    "ship_country",
                    "ship_phone",
                )
            },
        ),
        ("Payment method", {"fields": ("card_brand", "card_last4")}),
        (
            "Internals",
            {
                "classes": ("collapse",),
                "fields": ("workflow_id", "workflow_started_at", "checkout_token"),
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Order._meta.fields] + [
            "status_badge",
            "workflow_panel",
            "refunds_display",
            "subtotal_display",
            "shipping_cost_display",
            "total_display",
            "totals_rows_display",
        ]

    # Orders are created by checkout and changed by their workflow, never by a form.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The list (and its actions) needs change permission; a single order is view-only.
        return obj is None and super().has_change_permission(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Order]:
        return super().get_queryset(request).select_related("user")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Order], search_term: str
    ) -> tuple[QuerySet[Order], bool]:
        # A NUL byte can't be compared by PostgreSQL (500); no number or email holds one.
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))

    @admin.display(description="customer", ordering="email")
    def customer(self, order: Order) -> str:
        if order.user_id and order.user.email != order.email:
            return f"{order.email} (account {order.user.email})"
        return order.email if order.user_id else f"{order.email} (guest)"

    @admin.display(description="total", ordering="total")
    def total_display(self, order: Order) -> str:
        return format_money(order.total, order.currency)

    @admin.display(description="subtotal")
    def subtotal_display(self, order: Order) -> str:
        return format_money(order.subtotal, order.currency)

    @admin.display(description="shipping cost")
    def shipping_cost_display(self, order: Order) -> str:
        return format_money(order.shipping_cost, order.currency)

    @admin.display(description="discount and VAT")
    def totals_rows_display(self, order: Order) -> SafeString:
        """The rows the customer's page shows under the lines (voucher, VAT per rate)."""
        rows = [r for r in order_rows(order) if r.key not in ("shipping", "total")]
        return (
            format_html_join(
                mark_safe("<br>"),
                "{}: {}",
                ((row.label, format_money(row.shown, order.currency)) for row in rows),
            )
            or "-"
        )

    @admin.display(description="status", ordering="status")
    def status_badge(self, order: Order) -> SafeString:
        colour = STATUS_COLOURS.get(order.status, "#1d4ed8")
        return format_html(
            '<span class="order-status" data-status="{}" style="color:#fff;background:{};'
            'padding:2px 8px;border-radius:9px;white-space:nowrap">{}</span>',
            order.status,
            colour,
            order.get_status_display(),
        )

    @admin.display(description="Live workflow")
    def workflow_panel(self, order: Order) -> SafeString:
        return _panel(order)

    @admin.display(description="Refunds")
    def refunds_display(self, order: Order) -> SafeString:
        return refunds_panel(order)

    # --- actions -------------------------------------------------------------------------

    def _report(self, request: HttpRequest, verb: str, results: list[tuple[Order, Any]]) -> None:
        done = [o.number for o, outcome in results if outcome.ok]
        if done:
            self.message_user(request, f"{verb}: {', '.join(done)}.", messages.SUCCESS)
        for order, outcome in results:
            if not outcome.ok:
                self.message_user(request, f"{order.number}: {outcome.message}", messages.ERROR)

    @admin.action(
        description="Cancel selected orders (refund and release stock)", permissions=["change"]
    )
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        actor = request.user.email
        results = [
            (order, cancel_order(order, actor=actor, reason="Cancelled by staff", staff=True))
            for order in queryset.order_by("pk")
        ]
        self._report(request, "Cancelled", results)

    @admin.action(description="Mark selected orders delivered", permissions=["change"])
    def mark_orders_delivered(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        actor = request.user.email
        results = [(order, mark_delivered(order, actor=actor)) for order in queryset.order_by("pk")]
        self._report(request, "Delivery recorded", results)

    @admin.action(
        description="Recover workflows terminated or timed out in Temporal (resume from the "
        "database)",
        permissions=["change"],
    )
    def recover_workflows(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        actor = request.user.email
        results = [(order, recover_workflow(order, actor)) for order in queryset.order_by("pk")]
        self._report(request, "Workflow recovered", results)

    @admin.action(description="Revoke the order links sent to guests", permissions=["change"])
    def revoke_guest_links(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        actor = request.user.email
        results = [(order, revoke_order_links(order, actor)) for order in queryset.order_by("pk")]
        self._report(request, "Links revoked", results)

    @admin.action(description="Start missing workflows", permissions=["change"])
    def start_missing_workflows(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        actor = request.user.email
        pending = queryset.filter(workflow_started_at__isnull=True, status=OrderStatus.RECEIVED)
        skipped = queryset.count() - pending.count()
        results = [
            (order, start_missing_workflow(order, actor)) for order in pending.order_by("pk")
        ]
        self._report(request, "Workflow started", results)
        if skipped:
            self.message_user(
                request,
                f"{skipped} selected order(s) already had a workflow or are finished.",
                messages.INFO,
            )


@admin.register(GatewayTransaction)
class GatewayTransactionAdmin(admin.ModelAdmin):
    """The fake payment provider's ledger, for looking up a charge by key or reference."""

    list_display = (
        "idempotency_key",
        "kind",
        "status",
        "amount",
        "currency",
        "attempts",
        "created_at",
    )
    list_filter = ("kind", "status")
    search_fields = ("idempotency_key", "reference")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
