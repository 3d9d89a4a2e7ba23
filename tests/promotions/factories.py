"""Vouchers for the tests (tests/factories.py has the rest)."""

from __future__ import annotations

from decimal import Decimal

import factory

from promotions.models import Voucher


class VoucherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Voucher
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SAVE{n:04d}")
    kind = Voucher.Kind.PERCENTAGE
    value = Decimal("10.00")
