"""Staff's returns: the list, a return's lines and live workflow panel, and the actions
approve / reject (when ``RETURNS_AUTO_APPROVE`` is off) and mark received with a condition per
line (an intermediate page: restock or damaged). Actions go through the return's workflow
(``returns.services.staff``); the workflow's activities write the moves."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.safestring import SafeString

from returns.errors import ReturnRefused
from returns.models import ReturnCondition, ReturnLine, ReturnRequest
from returns.services import staff
from shop.admin_inlines import ReadOnlyTabularInline
from workflows import client


class ReturnLineInline(ReadOnlyTabularInline):
    model = ReturnLine
    fields = ("order_line", "quantity", "condition")
    readonly_fields = fields


class OrderReturnsInline(ReadOnlyTabularInline):
    """An order's returns on its admin page; each links to the return's own page (its live
    workflow panel and actions)."""

    model = ReturnRequest
    show_change_link = True
    fields = ("number", "status", "reason", "tracking_number", "ship_by", "refund_number")
    readonly_fields = fields


def workflow_panel_html(ret: ReturnRequest) -> SafeString:
    """What Temporal says about the return's workflow right now."""
    order_number = ret.order.number
    context: dict[str, Any] = {
        "ret": ret,
        "ui_url": client.return_workflow_ui_url(order_number, ret.seq),
    }
    if ret.workflow_started_at is None:
        context["state"] = "not_started"
    else:
        try:
            context["snapshot"] = client.describe_return_workflow(order_number, ret.seq)
            context["state"] = "ok"
        except client.WorkflowNotFound:
            context["state"] = "not_found"
        except client.TemporalUnavailable as exc:
            context["state"] = "unreachable"
            context["error"] = str(exc)[:300]
    return render_to_string("admin/returns/returnrequest/workflow_panel.html", context)


@admin.register(ReturnRequest)
class ReturnRequestAdmin(admin.ModelAdmin):
    list_display = ("number", "order", "status", "tracking_number", "ship_by", "created_at")
    list_filter = ("status", "created_at")
    search_fields = ("number", "order__number", "tracking_number", "order__email")
    inlines = [ReturnLineInline]
    actions = ["approve_returns", "reject_returns", "mark_received"]
    fields = (
        "number",
        "order",
        "status",
        "reason",
        "tracking_number",
        "instructions",
        "ship_by",
        "requested_by",
        "decided_by",
        "decision_note",
        "refund_number",
        "received_at",
        "workflow_started_at",
        "created_at",
        "workflow_panel",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReturnRequest]:
        return super().get_queryset(request).select_related("order")

    @admin.display(description="Live workflow")
    def workflow_panel(self, ret: ReturnRequest) -> SafeString:
        return workflow_panel_html(ret)

    def _report(self, request: HttpRequest, results: list[tuple[ReturnRequest, Any]]) -> None:
        for ret, outcome in results:
            level = messages.SUCCESS if outcome.ok else messages.ERROR
            self.message_user(request, f"{ret.number}: {outcome.message}", level)

    @admin.action(description="Approve selected returns", permissions=["change"])
    def approve_returns(self, request: HttpRequest, queryset: QuerySet[ReturnRequest]) -> None:
        actor = request.user.email
        rets = queryset.order_by("pk")
        self._report(request, [(r, staff.decide(r, approve=True, actor=actor)) for r in rets])

    @admin.action(description="Reject selected returns", permissions=["change"])
    def reject_returns(self, request: HttpRequest, queryset: QuerySet[ReturnRequest]) -> None:
        actor = request.user.email
        note = request.POST.get("note", "")[:1000]
        rets = queryset.order_by("pk")
        self._report(
            request, [(r, staff.decide(r, approve=False, actor=actor, note=note)) for r in rets]
        )

    @admin.action(
        description="Mark received (restock or damaged per line)…", permissions=["change"]
    )
    def mark_received(
        self, request: HttpRequest, queryset: QuerySet[ReturnRequest]
    ) -> HttpResponse | None:
        rets = list(queryset.order_by("pk").prefetch_related("lines__order_line"))
        if "apply" in request.POST:
            results = []
            for ret in rets:
                conditions = {
                    line.order_line_id: request.POST.get(
                        f"condition-{ret.pk}-{line.order_line_id}", ReturnCondition.RESTOCK
                    )
                    for line in ret.lines.all()
                }
                try:
                    outcome = staff.mark_received(ret, conditions, actor=request.user.email)
                except ReturnRefused as exc:
                    outcome = staff.Outcome(False, exc.message)
                results.append((ret, outcome))
            self._report(request, results)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Mark returns received",
            "returns": rets,
            "conditions": ReturnCondition.choices,
            "queryset": queryset,
            "action": "mark_received",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/returns/returnrequest/mark_received.html", context)
