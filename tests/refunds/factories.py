"""Orders that were paid (authorized and captured at the fake gateway, ledger rows and all) and
delivered: what staff refund."""

from __future__ import annotations

import uuid
from decimal import Decimal

from orders.models import Order, Payment
from orders.payments.fake import FakeGateway
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory

TOKEN = "tok_success_refunds"


def captured_order(
    *,
    lines: tuple[tuple[str, int], ...] = (("11.90", 2),),
    tax_rate: str = "19.00",
    shipping: str = "4.90",
    status: str = "completed",
    capture: bool = True,
    user=None,
) -> Order:
    """An order of ``lines`` (gross unit price, quantity) taxed at ``tax_rate`` (prices include
    it), ``shipping`` gross at the same rate, authorized and (``capture``) captured in full at
    the fake gateway, in ``status``."""
    rate = Decimal(tax_rate)
    divisor = 1 + rate / 100
    order = OrderFactory(
        number=f"F{uuid.uuid4().hex[:12].upper()}",
        status=status,
        payment_token=TOKEN,
        user=user,
        subtotal=Decimal("0"),
        shipping_cost=Decimal("0"),
        total=Decimal("0"),
    )
    breakdown_net, breakdown_tax = Decimal("0.00"), Decimal("0.00")
    subtotal = Decimal("0.00")
    for price, quantity in lines:
        gross = Decimal(price) * quantity
        net = (gross / divisor).quantize(Decimal("0.01"))
        OrderLineFactory(
            order=order,
            product=ProductFactory(price=Decimal(price)),
            unit_price=Decimal(price),
            quantity=quantity,
            tax_rate=rate,
            net_amount=net,
            tax_amount=gross - net,
            gross_amount=gross,
        )
        subtotal += gross
        breakdown_net += net
        breakdown_tax += gross - net
    ship_gross = Decimal(shipping)
    ship_net = (ship_gross / divisor).quantize(Decimal("0.01"))
    breakdown_net += ship_net
    breakdown_tax += ship_gross - ship_net
    order.subtotal = subtotal
    order.shipping_cost = ship_gross
    order.shipping_net = ship_net
    order.shipping_tax = ship_gross - ship_net
    order.shipping_tax_rate = rate
    order.total = subtotal + ship_gross
    order.net_total = breakdown_net
    order.tax_total = breakdown_tax
    order.tax_breakdown = [
        {"rate": str(rate), "net": str(breakdown_net), "tax": str(breakdown_tax)}
    ]
    order.save()
    _pay(order, capture)
    return order


def _pay(order: Order, capture: bool) -> None:
    gateway = FakeGateway()
    key = f"order-{order.number}"
    auth = gateway.authorize(order.payment_token, order.total, order.currency, f"{key}-authorize")
    _payment(order, Payment.Kind.AUTHORIZATION, f"{key}-authorize", auth.reference)
    if capture:
        cap = gateway.capture(auth.reference, order.total, order.currency, f"{key}-capture")
        _payment(order, Payment.Kind.CAPTURE, f"{key}-capture", cap.reference)


def _payment(order: Order, kind: str, key: str, reference: str) -> Payment:
    return Payment.objects.create(
        order=order,
        kind=kind,
        status=Payment.Status.SUCCEEDED,
        amount=order.total,
        currency=order.currency,
        idempotency_key=key,
        gateway="fake",
        gateway_reference=reference,
        card_brand="visa",
        card_last4="4242",
    )
