"""Vouchers: checking a code against a cart, taking its usage when an order is placed (inside
the order's transaction, under the voucher's row lock) and giving it back, exactly once, when
the order fails or is cancelled before its payment is captured (the saga's ``release_voucher``
step, or ``orders.services.tracking`` for an order without a workflow)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Payment
from promotions.models import Voucher, VoucherUsage
from shop import locks
from shop.money import format_money
from taxes.calculation import ZERO, discount_for

CODE_MAX_LENGTH = 40
# The codes of a voucher that exists but can't be used now, and of one that does not exist.
VOUCHER_REFUSALS = [
    "voucher_customer_limit",
    "voucher_exhausted",
    "voucher_expired",
    "voucher_inactive",
    "voucher_minimum_subtotal",
    "voucher_not_started",
]
VOUCHER_UNKNOWN = "voucher_unknown"
_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")
# A captured (or, for old orders, charged) payment keeps the voucher used for good.
_TAKEN_FOR_GOOD = (Payment.Kind.CAPTURE, Payment.Kind.CHARGE)


class VoucherError(Exception):
    """A code that can't be used now. ``code`` is stable (``voucher_unknown``,
    ``voucher_inactive``, ``voucher_not_started``, ``voucher_expired``, ``voucher_exhausted``,
    ``voucher_customer_limit``, ``voucher_minimum_subtotal``); ``message`` is for people."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Discount:
    """What a valid voucher takes off a cart: an amount as entered, maybe free shipping."""

    code: str
    amount: Decimal
    free_shipping: bool


def normalize_code(raw: Any) -> str:
    """A code as stored (capitals, no spaces); raises ``voucher_unknown`` for anything that
    can't be a code."""
    code = str(raw if raw is not None else "").strip().upper()
    if not _CODE_RE.match(code):
        raise VoucherError(_("This voucher code does not exist."), "voucher_unknown")
    return code


def find_voucher(code: str) -> Voucher:
    voucher = Voucher.objects.filter(code=normalize_code(code)).first()
    if voucher is None:
        raise VoucherError(_("This voucher code does not exist."), "voucher_unknown")
    return voucher


def _customer_uses(voucher: Voucher, user: Any, email: str) -> int:
    who = Q(email=email.lower()) if email else Q(pk__in=[])
    if user is not None and getattr(user, "pk", None):
        who |= Q(user_id=user.pk)
    return VoucherUsage.objects.filter(who, voucher=voucher, state=VoucherUsage.State.TAKEN).count()


def check_voucher(
    voucher: Voucher,
    subtotal: Decimal,
    *,
    user: Any = None,
    email: str = "",
    now: datetime | None = None,
) -> Discount:
    """The discount ``voucher`` gives a cart of ``subtotal`` (as entered) for this customer,
    or ``VoucherError`` saying why it can't be used."""
    now = now or timezone.now()
    name = {"code": voucher.code}
    if not voucher.is_active:
        raise VoucherError(_("The voucher %(code)s is no longer valid.") % name, "voucher_inactive")
    if voucher.valid_from and now < voucher.valid_from:
        raise VoucherError(
            _("The voucher %(code)s is not valid yet.") % name, "voucher_not_started"
        )
    if voucher.valid_until and now >= voucher.valid_until:
        raise VoucherError(_("The voucher %(code)s has expired.") % name, "voucher_expired")
    if voucher.usage_limit is not None and voucher.times_used >= voucher.usage_limit:
        raise VoucherError(_("The voucher %(code)s has been used up.") % name, "voucher_exhausted")
    if subtotal < voucher.minimum_subtotal:
        raise VoucherError(
            _("The voucher %(code)s needs a subtotal of at least %(minimum)s.")
            % {**name, "minimum": format_money(voucher.minimum_subtotal)},
            "voucher_minimum_subtotal",
        )
    limit = voucher.usage_limit_per_customer
    if (
        limit is not None
        and (user is not None or email)
        and (_customer_uses(voucher, user, email) >= limit)
    ):
        raise VoucherError(
            _("You have already used the voucher %(code)s.") % name, "voucher_customer_limit"
        )
    if voucher.kind == Voucher.Kind.PERCENTAGE:
        amount = discount_for(subtotal, percentage=voucher.value)
    else:
        amount = discount_for(subtotal, fixed=voucher.value)
    return Discount(voucher.code, amount, voucher.free_shipping)


def no_discount() -> Discount:
    return Discount("", ZERO, False)


def lock_voucher(
    code: str, subtotal: Decimal, *, user: Any, email: str
) -> tuple[Voucher, Discount]:
    """At placement, inside the order's transaction: the voucher locked and checked (its
    total and per-customer limits included) and its discount. Raises ``VoucherError``; the
    lock holds until the transaction ends, after ``take_usage``."""
    voucher = locks.voucher(normalize_code(code))
    if voucher is None:
        raise VoucherError(_("This voucher code does not exist."), "voucher_unknown")
    return voucher, check_voucher(voucher, subtotal, user=user, email=email)


def take_usage(voucher: Voucher, order: Any) -> VoucherUsage:
    """Count ``order``'s use of the (locked, checked) voucher. The conditional ``UPDATE`` is
    the last word on the total limit even without the lock (SQLite, a caller that forgot)."""
    updated = Voucher.objects.filter(
        Q(usage_limit__isnull=True) | Q(times_used__lt=F("usage_limit")), pk=voucher.pk
    ).update(times_used=F("times_used") + 1)
    if not updated:
        raise VoucherError(
            _("The voucher %(code)s has been used up.") % {"code": voucher.code},
            "voucher_exhausted",
        )
    return VoucherUsage.objects.create(
        voucher=voucher,
        order=order,
        user=order.user if order.user_id else None,
        email=(order.email or "").lower(),
    )


def release_voucher_for_order(order_number: str) -> bool:
    """Give back the voucher usage of an order that failed or was cancelled before capture.
    True when given back now; False when the order has none, it was given back before, or the
    payment was captured (the usage then stays: a delivered order keeps its discount).
    Exactly once by a conditional ``UPDATE`` on the usage's state; one query when the order
    has no voucher."""
    usage = (
        VoucherUsage.objects.filter(order__number=order_number, state=VoucherUsage.State.TAKEN)
        .values("pk", "voucher_id", "order_id")
        .first()
    )
    if usage is None:
        return False
    if Payment.objects.filter(
        order_id=usage["order_id"], kind__in=_TAKEN_FOR_GOOD, status=Payment.Status.SUCCEEDED
    ).exists():
        return False
    with transaction.atomic():
        released = VoucherUsage.objects.filter(
            pk=usage["pk"], state=VoucherUsage.State.TAKEN
        ).update(state=VoucherUsage.State.RELEASED, released_at=timezone.now())
        if released:
            Voucher.objects.filter(pk=usage["voucher_id"], times_used__gt=0).update(
                times_used=F("times_used") - 1
            )
    return bool(released)
