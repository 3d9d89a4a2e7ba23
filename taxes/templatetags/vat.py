"""``{% load vat %}``: the totals rows under a cart's or an order's lines (taxes.display)."""

from __future__ import annotations

from typing import Any

from django import template

from taxes import display

register = template.Library()


@register.simple_tag
def summary_totals(summary: Any) -> list[display.TotalsRow]:
    return display.summary_rows(summary)


@register.simple_tag
def order_totals(order: Any) -> list[display.TotalsRow]:
    return display.order_rows(order)


@register.filter
def vat_rate(rate: Any) -> str:
    return display.rate_label(rate)
