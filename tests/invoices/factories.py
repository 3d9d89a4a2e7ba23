"""Orders as checkout leaves them with VAT itemised (the taxes helper fills these fields at
placement; here they are set directly), and their captured payment."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from orders.models import Order, Payment
from tests.factories import OrderFactory, OrderLineFactory, PaymentFactory, ProductFactory

CENT = Decimal("0.01")


def split(gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(net, tax) of a gross amount at ``rate`` percent, rounded half up to the cent."""
    net = (gross * 100 / (100 + rate)).quantize(CENT, ROUND_HALF_UP)
    return net, gross - net


def taxed_order(
    items: list[tuple[str, str, int, str]] | None = None,
    *,
    shipping: str = "4.90",
    shipping_rate: str = "19.00",
    discounts: list[str] | None = None,
    **fields,
) -> Order:
    """An order of ``items`` (name, unit price incl. VAT, quantity, VAT rate), with shipping
    and optional per-line gross discounts, every stored amount consistent."""
    items = items or [("Blue Mug", "12.50", 2, "19.00"), ("Cookbook", "21.40", 1, "7.00")]
    discounts = discounts or ["0.00"] * len(items)
    ship_gross, ship_rate = Decimal(shipping), Decimal(shipping_rate)
    ship_net, ship_tax = split(ship_gross, ship_rate)
    order = OrderFactory(
        shipping_cost=ship_gross,
        shipping_tax_rate=ship_rate,
        shipping_net=ship_net,
        shipping_tax=ship_tax,
        subtotal=Decimal("0.00"),
        total=Decimal("0.00"),
        **fields,
    )
    rows: dict[Decimal, list[Decimal]] = {}
    subtotal = Decimal("0.00")
    if ship_gross:
        rows[ship_rate] = [ship_net, ship_tax]
    for (name, price, quantity, rate), discount in zip(items, discounts, strict=True):
        unit, rate_d, discount_d = Decimal(price), Decimal(rate), Decimal(discount)
        gross = unit * quantity - discount_d
        net, tax = split(gross, rate_d)
        OrderLineFactory(
            order=order,
            product=ProductFactory(price=unit),
            name=name,
            unit_price=unit,
            quantity=quantity,
            tax_rate=rate_d,
            discount_amount=discount_d,
            net_amount=net,
            tax_amount=tax,
            gross_amount=gross,
        )
        subtotal += unit * quantity
        row = rows.setdefault(rate_d, [Decimal("0.00"), Decimal("0.00")])
        row[0] += net
        row[1] += tax
    net_total = sum(r[0] for r in rows.values())
    tax_total = sum(r[1] for r in rows.values())
    order.subtotal = subtotal
    order.discount_total = sum(Decimal(d) for d in discounts)
    order.net_total = net_total
    order.tax_total = tax_total
    order.total = net_total + tax_total
    order.tax_breakdown = [
        {"rate": str(rate), "net": str(n), "tax": str(t)}
        for rate, (n, t) in sorted(rows.items(), reverse=True)
    ]
    order.save()
    return order


def capture(order: Order, kind: str = "capture") -> Payment:
    """The order's money taken (a succeeded capture, after its authorization)."""
    if kind == "capture":
        PaymentFactory(order=order, kind="authorization", amount=order.total)
    return PaymentFactory(order=order, kind=kind, amount=order.total)


def captured_order(*args, **kwargs) -> Order:
    order = taxed_order(*args, **kwargs)
    capture(order)
    return order
