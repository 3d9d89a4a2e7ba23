"""``{% load order_words %}``: an order's events and payments in plain, translated words for
shoppers. The stored ``OrderEvent.message`` is written for staff (the admin shows it); shoppers
read one sentence per kind of event, plus the reason of a cancellation, failure or carrier
problem."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext, gettext_lazy, gettext_noop, pgettext_lazy

from orders.models import OrderEvent, Payment
from shop.money import format_money

register = template.Library()

K = OrderEvent.Kind
EVENT_WORDS = {
    K.PLACED: gettext_lazy("Order placed."),
    K.VALIDATED: gettext_lazy("Order checked."),
    K.STOCK_RESERVED: gettext_lazy("Your items are set aside for you."),
    K.STOCK_RELEASED: gettext_lazy("The items set aside for you are back on the shelf."),
    K.PAYMENT_CHARGED: gettext_lazy("Payment received."),
    K.PAYMENT_AUTHORIZED: gettext_lazy("Payment approved."),
    K.PAYMENT_CAPTURED: gettext_lazy("Payment received."),
    K.PAYMENT_VOIDED: gettext_lazy("The amount held on your card was released."),
    K.PAYMENT_FAILED: gettext_lazy("Your payment did not go through."),
    K.PAYMENT_REFUNDED: gettext_lazy("Your payment was refunded."),
    K.SHIPPED: gettext_lazy("Handed to the carrier."),
    K.IN_TRANSIT: gettext_lazy("On its way."),
    K.DELIVERED: gettext_lazy("Delivered."),
    K.CARRIER_EXCEPTION: gettext_lazy("The carrier reported a problem."),
    K.DELIVERY_OVERDUE: gettext_lazy("Your parcel is late: we are looking into it."),
    K.COMPLETED: gettext_lazy("Order completed."),
    K.FAILED: gettext_lazy("Your order could not be completed."),
    K.CANCELLED: gettext_lazy("Order cancelled."),
    K.COMPENSATION_FAILED: gettext_lazy(
        "Something could not be undone automatically: we are on it."
    ),
}
# Kinds whose stored message is a reason the shopper should read (translated when known).
REASON_KINDS = frozenset({K.CANCELLED})  # a failure's reason is on the page once, above
# Kinds that say nothing to a shopper.
HIDDEN_KINDS = frozenset({K.WORKFLOW_STARTED, K.STAFF_ACTION, K.EMAIL_SENT})

# Reasons stored in English by the order's steps (decline_message, the workflow's cancel
# reasons): listed here so the catalogs translate them where shoppers read them.
STORED_REASONS = (
    gettext_noop("The payment was declined by the card issuer."),
    gettext_noop("The payment failed: the card has insufficient funds."),
    gettext_noop("The payment was not completed in time."),
    gettext_noop("Cancelled by customer."),
)

P = Payment.Kind
PAYMENT_WORDS = {
    P.CHARGE: pgettext_lazy("payment", "Paid %(amount)s"),
    P.AUTHORIZATION: pgettext_lazy("payment", "%(amount)s held on your card"),
    P.CAPTURE: pgettext_lazy("payment", "Paid %(amount)s"),
    P.VOID: pgettext_lazy("payment", "Hold of %(amount)s released: nothing was charged"),
    P.REFUND: pgettext_lazy("payment", "Refunded %(amount)s"),
}


@register.filter
def shopper_event(event: OrderEvent) -> str:
    """One plain sentence for ``event`` ("" for what shoppers need not see)."""
    if event.kind in HIDDEN_KINDS:
        return ""
    if event.kind not in EVENT_WORDS:  # a kind from before these words: its own message
        return event.message or event.get_kind_display()
    words = str(EVENT_WORDS[event.kind])
    reason = event.message.strip()
    if event.kind in REASON_KINDS and reason and gettext(reason) != words:
        return f"{words} {gettext(reason)}"
    return words


@register.filter
def shopper_payment(payment: Payment) -> str:
    """A payment as a shopper reads it: "Paid €44.88", "Refunded €44.88"; a decline once."""
    amount = format_money(payment.amount, payment.currency)
    if payment.status == Payment.Status.FAILED:
        return gettext("Card declined (%(amount)s)") % {"amount": amount}
    return str(PAYMENT_WORDS.get(payment.kind, payment.get_kind_display())) % {"amount": amount}
