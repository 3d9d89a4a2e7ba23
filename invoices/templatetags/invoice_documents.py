"""``{% order_documents order as documents %}``: an order's invoice and credit notes for its
page (``templates/invoices/_order_documents.html``)."""

from __future__ import annotations

from django import template

from invoices.selectors import OrderDocuments, order_documents
from orders.models import Order

register = template.Library()


@register.simple_tag(name="order_documents")
def order_documents_tag(order: Order) -> OrderDocuments:
    return order_documents(order)
