"""Voucher rules at checkout (``place_order``): percentage, fixed, free shipping, minimum
subtotal, validity window, active flag, total and per-customer limits. Amounts are exact:
gross prices, shipped to Germany (19 %), standard shipping 4.90."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cart.models import Cart
from orders.models import Order
from orders.payments import CardToken
from orders.services.checkout import CheckoutError, place_order
from promotions.models import Voucher, VoucherUsage
from tests.factories import CartItemFactory, ProductFactory, UserFactory
from tests.promotions.factories import VoucherFactory

pytestmark = pytest.mark.django_db

CARD = CardToken(token="tok_success_abc", brand="visa", last4="4242")
BERLIN = {
    "full_name": "Ada Lovelace",
    "line1": "Unter den Linden 1",
    "city": "Berlin",
    "postal_code": "10117",
    "country": "DE",
}


def cart_with(price: str = "19.99", quantity: int = 2, code: str = "") -> Cart:
    cart = Cart.objects.create(session_key=uuid.uuid4().hex[:32], voucher_code=code)
    CartItemFactory(cart=cart, product=ProductFactory(price=Decimal(price)), quantity=quantity)
    return cart


def place(cart: Cart, email: str = "ada@example.com", **overrides) -> Order:
    kwargs = {
        "cart": cart,
        "email": email,
        "shipping_address": BERLIN,
        "shipping_method": "standard",
        "card": CARD,
        "checkout_token": uuid.uuid4().hex,
        **overrides,
    }
    return place_order(**kwargs).order


def refused(cart: Cart, **overrides) -> CheckoutError:
    with pytest.raises(CheckoutError) as caught:
        place(cart, **overrides)
    return caught.value


def test_percentage_voucher_discounts_the_lines_and_splits_the_vat():
    # Given 2 x 19.99 in the cart with a 10 % voucher
    VoucherFactory(code="TEN", kind=Voucher.Kind.PERCENTAGE, value=Decimal("10"))
    cart = cart_with(code="TEN")
    # When the order is placed (to Germany, standard shipping)
    order = place(cart)
    # Then 4.00 (10 % of 39.98, half up) comes off the line; VAT is 19 % inside each gross
    # amount: the line 35.98 -> 30.24 + 5.74, shipping 4.90 -> 4.12 + 0.78
    assert (order.subtotal, order.discount_total, order.shipping_cost, order.total) == (
        Decimal("39.98"),
        Decimal("4.00"),
        Decimal("4.90"),
        Decimal("40.88"),
    )
    assert (order.voucher_code, order.net_total, order.tax_total) == (
        "TEN",
        Decimal("34.36"),
        Decimal("6.52"),
    )
    assert order.tax_breakdown == [{"rate": "19.00", "net": "34.36", "tax": "6.52"}]
    line = order.lines.get()
    assert (line.discount_amount, line.net_amount, line.tax_amount, line.gross_amount) == (
        Decimal("4.00"),
        Decimal("30.24"),
        Decimal("5.74"),
        Decimal("35.98"),
    )
    # And the usage is taken, by this order
    usage = VoucherUsage.objects.get()
    assert (usage.order_id, usage.state, usage.email) == (order.pk, "taken", "ada@example.com")
    assert Voucher.objects.get(code="TEN").times_used == 1


def test_fixed_voucher_takes_its_amount_and_never_more_than_the_lines():
    # Given a 5.00 voucher and a 50.00 voucher, and carts of 39.98
    VoucherFactory(code="FIVE", kind=Voucher.Kind.FIXED, value=Decimal("5.00"))
    VoucherFactory(code="FIFTY", kind=Voucher.Kind.FIXED, value=Decimal("50.00"))
    # When each is used
    five = place(cart_with(code="FIVE"))
    fifty = place(cart_with(code="FIFTY"))
    # Then 5.00 comes off; the 50.00 voucher takes the lines to zero, shipping is still paid
    assert (five.discount_total, five.total) == (Decimal("5.00"), Decimal("39.88"))
    assert (fifty.discount_total, fifty.total) == (Decimal("39.98"), Decimal("4.90"))
    assert fifty.tax_breakdown == [{"rate": "19.00", "net": "4.12", "tax": "0.78"}]


def test_free_shipping_voucher_makes_shipping_zero():
    # Given a free-shipping voucher without a discount
    VoucherFactory(code="SHIPFREE", kind=Voucher.Kind.FIXED, value=0, free_shipping=True)
    # When used
    order = place(cart_with(code="SHIPFREE"))
    # Then shipping costs nothing and the total is the lines'
    assert (order.shipping_cost, order.shipping_net, order.shipping_tax) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert (order.discount_total, order.total) == (Decimal("0.00"), Decimal("39.98"))


def test_minimum_subtotal_is_checked_and_the_code_removed_from_the_cart():
    # Given a voucher for carts of 50.00 or more, and a cart of 39.98 with it
    VoucherFactory(code="BIG", minimum_subtotal=Decimal("50.00"))
    cart = cart_with(code="BIG")
    # When the order is placed
    error = refused(cart)
    # Then nothing is placed, the shopper is told why, and the cart no longer has the code
    assert error.code == "voucher_minimum_subtotal"
    assert error.message == (
        "The voucher BIG needs a subtotal of at least €50.00. It was removed from your cart; "
        "please check your order again."
    )
    assert Order.objects.count() == 0
    cart.refresh_from_db()
    assert cart.voucher_code == ""
    # And with 3 units (59.97) it applies
    assert place(cart_with(quantity=3, code="BIG")).discount_total == Decimal("6.00")


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        (
            {"valid_until": timezone.now() - timedelta(minutes=1)},
            "voucher_expired",
            "The voucher OLD has expired.",
        ),
        (
            {"valid_from": timezone.now() + timedelta(days=1)},
            "voucher_not_started",
            "The voucher OLD is not valid yet.",
        ),
        ({"is_active": False}, "voucher_inactive", "The voucher OLD is no longer valid."),
        (
            {"usage_limit": 3, "times_used": 3},
            "voucher_exhausted",
            "The voucher OLD has been used up.",
        ),
    ],
    ids=["expired", "not-started", "inactive", "exhausted"],
)
def test_unusable_vouchers_place_nothing(fields, code, message):
    # Given a voucher that can't be used now, in a cart
    VoucherFactory(code="OLD", **fields)
    cart = cart_with(code="OLD")
    # When the order is placed
    error = refused(cart)
    # Then it is refused with its code and reason, and nothing is placed or counted
    assert (error.code, error.message.split(" It was removed")[0]) == (code, message)
    assert (Order.objects.count(), VoucherUsage.objects.count()) == (0, 0)


def test_an_unknown_code_is_refused():
    # Given a cart whose code does not exist (deleted by staff meanwhile)
    error = refused(cart_with(code="NOPE"))
    # Then
    assert (error.code, Order.objects.count()) == ("voucher_unknown", 0)


def test_exhausted_after_the_last_use():
    # Given a voucher for 2 orders in total
    VoucherFactory(code="TWICE", usage_limit=2)
    # When three customers use it
    place(cart_with(code="TWICE"), email="a@example.com")
    place(cart_with(code="TWICE"), email="b@example.com")
    error = refused(cart_with(code="TWICE"), email="c@example.com")
    # Then the third is refused: used up
    assert error.code == "voucher_exhausted"
    assert Voucher.objects.get(code="TWICE").times_used == 2


def test_per_customer_limit_counts_by_email_and_account():
    # Given a voucher once per customer
    VoucherFactory(code="ONCE", usage_limit_per_customer=1)
    user = UserFactory(email="grace@example.com")
    # When Grace uses it as a guest, then again in other capitals, then logged in with another
    # address, and someone else uses it
    place(cart_with(code="ONCE"), email="grace@example.com")
    by_case = refused(cart_with(code="ONCE"), email="GRACE@Example.com")
    other = place(cart_with(code="ONCE"), email="alan@example.com", user=user)
    by_account = refused(cart_with(code="ONCE"), email="grace.h@example.com", user=user)
    # Then the same email is refused, and so is the same account
    assert by_case.code == "voucher_customer_limit"
    assert by_case.message.startswith("You have already used the voucher ONCE.")
    assert other.voucher_code == "ONCE"
    assert by_account.code == "voucher_customer_limit"
    assert Voucher.objects.get(code="ONCE").times_used == 2


def test_a_given_back_usage_does_not_count_against_the_customer():
    # Given a once-per-customer voucher used by an order that was then cancelled unpaid
    VoucherFactory(code="ONCE", usage_limit_per_customer=1, usage_limit=1)
    first = place(cart_with(code="ONCE"))
    VoucherUsage.objects.filter(order=first).update(state="released")
    Voucher.objects.filter(code="ONCE").update(times_used=0)
    # When the customer orders again with it
    again = place(cart_with(code="ONCE"))
    # Then it applies
    assert again.discount_total == Decimal("4.00")


def test_the_apis_voucher_code_overrides_the_carts():
    # Given a cart with one code and a request naming another (or none)
    VoucherFactory(code="TEN", value=Decimal("10"))
    VoucherFactory(code="HALF", value=Decimal("50"))
    # When placed
    half = place(cart_with(code="TEN"), voucher_code="half")
    none = place(cart_with(code="TEN"), voucher_code="")
    # Then the request's code is used (in any capitals), and "" means none
    assert (half.voucher_code, half.discount_total) == ("HALF", Decimal("19.99"))
    assert (none.voucher_code, none.discount_total) == ("", Decimal("0.00"))
