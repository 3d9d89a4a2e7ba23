"""``{% load money %}``: ``{{ order.total|money:order.currency }}`` (default: the shop's)."""

from decimal import Decimal

from django import template

from shop.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str | None = None) -> str:
    """An amount with its currency sign in the active language: ``€19.90`` / ``19,90 €``."""
    return format_money(amount, currency)
