"""The order list's "needs attention" filter: what a person should look at."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from orders.models import Order, OrderEvent
from orders.services.alerts import STEP_ALERT_ACTOR
from orders.status import SHORT_LIVED


def attention_q(reason: str) -> Q:
    """Orders needing attention for ``reason`` (compensation, failing, stuck) or any of them."""
    compensation = Q(events__kind=OrderEvent.Kind.COMPENSATION_FAILED)
    failing = Q(events__kind=OrderEvent.Kind.STAFF_ACTION, events__actor=STEP_ALERT_ACTOR)
    since = timezone.now() - timedelta(minutes=float(settings.ORDER_STUCK_MINUTES))
    stuck = Q(status__in=SHORT_LIVED, updated_at__lt=since)
    return {"compensation": compensation, "failing": failing, "stuck": stuck}.get(
        reason, compensation | failing | stuck
    )


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("any", "Any reason"),
            ("compensation", "Compensation failed"),
            ("failing", "A step keeps failing"),
            ("stuck", f"No progress for {settings.ORDER_STUCK_MINUTES:g} min"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> QuerySet[Order]:
        if not self.value():
            return queryset
        matching = Order.objects.filter(attention_q(self.value())).values("pk")
        return queryset.filter(pk__in=matching)
