"""Payment reconciliation: money the provider moved that the shop has no record of.

Every provider call carries an idempotency key derived from the order (``order-<n>-...``) and
every accepted call is recorded as a ``Payment`` with that key, in its own transaction, right
after the provider answered. A provider movement with no ``Payment`` of the same key means the
record was lost between the two (a crash, a cut connection): this finds them, and with
``settle=True`` gives the money back (voids a held authorization, refunds a capture or charge)
and records what it did on the order. Recent movements are left alone: their activity may
still be recording them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from orders import events
from orders.models import Order, OrderEvent, Payment
from orders.payments import PaymentError, ProviderRecord, get_gateway

logger = logging.getLogger(__name__)

RETURNED_BY = {"authorize": "void", "capture": "refund", "charge": "refund"}
SETTLED = "-reconcile"  # suffix of the key a settlement uses


@dataclass
class Finding:
    record: ProviderRecord
    order_number: str
    action: str = ""  # what settle did: voided, refunded, or why it could not


def unrecorded(older_than: timedelta = timedelta(minutes=15)) -> list[Finding]:
    """Provider movements older than ``older_than`` with no ``Payment`` of the same key and
    not settled by an earlier run."""
    now = timezone.now()
    records = list(get_gateway().succeeded_before(now))
    provider_keys = {r.idempotency_key for r in records}
    candidates = [
        r
        for r in records
        if r.kind in RETURNED_BY
        and r.created_at < now - older_than
        and f"{r.idempotency_key}{SETTLED}" not in provider_keys
    ]
    known = set(
        Payment.objects.filter(
            idempotency_key__in=[r.idempotency_key for r in candidates]
        ).values_list("idempotency_key", flat=True)
    )
    return [
        Finding(record=r, order_number=_order_number(r.idempotency_key))
        for r in candidates
        if r.idempotency_key not in known
    ]


def settle(finding: Finding) -> Finding:
    """Give the money back once: void the authorization, or refund the capture or charge, under
    the key ``<original key>-reconcile`` (a second run finds it done)."""
    record = finding.record
    gateway = get_gateway()
    key = f"{record.idempotency_key}{SETTLED}"
    try:
        if RETURNED_BY[record.kind] == "void":
            result = gateway.void(record.reference, key)
            finding.action = f"voided ({result.reference})"
        else:
            result = gateway.refund(record.reference, record.amount, record.currency, key)
            finding.action = f"refunded ({result.reference})"
    except PaymentError as exc:
        finding.action = f"could not settle: {exc.code}"
        return finding
    order = Order.objects.filter(number=finding.order_number).first()
    if order is not None:
        with transaction.atomic():
            events.record(
                order,
                OrderEvent.Kind.STAFF_ACTION,
                f"Reconciliation: {record.kind} of {record.amount} {record.currency} had no "
                f"record; {finding.action}.",
                actor="reconciliation",
                data={"key": record.idempotency_key, "reference": record.reference},
            )
    logger.warning("reconciliation: %s %s %s", record.idempotency_key, record.kind, finding.action)
    return finding


def _order_number(key: str) -> str:
    """``order-<number>-<action>`` -> ``<number>`` (order numbers have no dashes)."""
    parts = key.split("-")
    return parts[1] if len(parts) >= 3 and parts[0] == "order" else ""
