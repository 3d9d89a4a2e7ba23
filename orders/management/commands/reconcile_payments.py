"""``python manage.py reconcile_payments [--older-than-minutes N] [--settle]``: list the money
the payment provider moved that the shop has no record of; ``--settle`` gives it back (voids
the hold, refunds the capture) and notes it on the order. Exit code 1 while anything is left
unsettled, so a scheduler can alert on it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orders.services.reconciliation import settle, unrecorded


class Command(BaseCommand):
    help = "Find (and with --settle, return) provider money with no matching payment record."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-minutes",
            type=float,
            default=15.0,
            help="Leave younger movements alone: their activity may still be recording them.",
        )
        parser.add_argument("--settle", action="store_true", help="Void or refund what is found.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            findings = unrecorded(timedelta(minutes=options["older_than_minutes"]))
        except NotImplementedError as exc:
            raise CommandError(str(exc)) from exc
        if not findings:
            self.stdout.write("Reconciled: every provider movement has a payment record.")
            return
        left = 0
        for finding in findings:
            record = finding.record
            if options["settle"]:
                settle(finding)
            left += not finding.action.startswith(("voided", "refunded"))
            self.stdout.write(
                f"order {finding.order_number or '?'}: {record.kind} {record.amount} "
                f"{record.currency} ({record.idempotency_key}, {record.reference}) has no record"
                + (f"; {finding.action}" if finding.action else "")
            )
        if left:
            raise CommandError(f"{left} provider movement(s) without a record left unsettled.")
