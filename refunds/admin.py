"""Staff side of refunds: a read-only list, the "Refund" page of an order (form + each refund
with its workflow's live progress) and the panel the order's admin page shows."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.safestring import SafeString

from orders.models import Order
from refunds.forms import RefundForm
from refunds.models import Refund, RefundLine
from refunds.selectors import order_refunds, refunded_quantities
from refunds.services import RefundRefused, request_refund
from shop.admin_inlines import ReadOnlyTabularInline
from shop.money import format_money
from workflows import client


def _live(refund: Refund, ask: bool) -> dict[str, Any]:
    """What Temporal says about the refund's workflow (for the panel), never raising; ``ask``
    False: Temporal did not answer for an earlier refund, don't wait again."""
    row: dict[str, Any] = {"refund": refund, "ui_url": client.refund_workflow_ui_url(refund.number)}
    if refund.workflow_started_at is None:
        row["state"] = "not_started"
        return row
    if not ask:
        row["state"] = "unreachable"
        return row
    try:
        row["snapshot"] = client.describe_refund_workflow(refund.number)
        row["state"] = "ok"
    except client.WorkflowNotFound:
        row["state"] = "not_found"
    except client.TemporalUnavailable:
        row["state"] = "unreachable"
    return row


def refunds_panel(order: Order, *, live: bool = True) -> SafeString:
    """The order admin's refunds: each one (amount, status, who, why) with its workflow's
    progress, and the link to the Refund page."""
    rows = []
    for refund in order_refunds(order):
        row = _live(refund, ask=live)
        # One unanswered call is enough: don't wait for Temporal once per refund.
        live = live and row.get("state") != "unreachable"
        rows.append(row)
    return render_to_string(
        "admin/refunds/_panel.html",
        {
            "order": order,
            "rows": rows,
            "refund_url": reverse("admin:refunds_refund_order", args=[order.number]),
        },
    )


class RefundLineInline(ReadOnlyTabularInline):
    model = RefundLine
    fields = ("order_line", "quantity", "net", "tax", "gross")
    readonly_fields = fields


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ("number", "order", "status", "amount_display", "actor", "created_at")
    list_filter = ("status", "created_at")
    search_fields = ("number", "order__number", "return_number")
    list_select_related = ("order",)
    inlines = (RefundLineInline,)
    ordering = ("-created_at", "-pk")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Refund._meta.fields]

    @admin.display(description="Amount")
    def amount_display(self, refund: Refund) -> str:
        return format_money(refund.amount, refund.order.currency)

    # Refunds are made through the Refund page (request_refund), never edited or deleted.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self):
        page = self.admin_site.admin_view(self.refund_order_view)
        return [
            path("order/<str:number>/", page, name="refunds_refund_order"),
            *super().get_urls(),
        ]

    def refund_order_view(self, request: HttpRequest, number: str) -> HttpResponse:
        """The Refund page of one order: the form, then each refund with its progress."""
        if not request.user.has_perm("orders.change_order"):
            raise PermissionDenied
        order = Order.objects.filter(number=number).first()
        if order is None:
            raise Http404("No such order.")
        left = refunded_quantities(order)
        form = RefundForm(request.POST or None, order=order, left=left)
        if request.method == "POST" and form.is_valid():
            try:
                refund = request_refund(
                    order.number,
                    lines=form.lines(),
                    include_shipping=form.cleaned_data["include_shipping"],
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user.email,
                )
            except RefundRefused as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request,
                    f"Refund {refund.number} of {format_money(refund.amount, order.currency)} "
                    "requested; its workflow carries it out.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Refund order {order.number}",
            "order": order,
            "form": form,
            "panel": refunds_panel(order),
            "order_url": reverse("admin:orders_order_change", args=[order.pk]),
            "opts": self.model._meta,
        }
        return render(request, "admin/refunds/refund_order.html", context)
