"""``python manage.py sync_schedules``: create or update the shop's Temporal Schedules (the
sweeper, stale carts, payment reconciliation: ``workflows.schedules``). Safe to run again: an
existing schedule is updated, never duplicated. ``runworker`` runs it at start too."""

from __future__ import annotations

import asyncio
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from workflows import schedules
from workflows.client import connect


class Command(BaseCommand):
    help = "Create or update the Temporal Schedules of the shop's periodic jobs."

    def handle(self, *args: Any, **options: Any) -> None:
        async def _sync() -> dict[str, str]:
            return await schedules.sync(await connect())

        try:
            done = asyncio.run(_sync())
        except (RuntimeError, OSError) as exc:
            raise CommandError(f"Could not reach Temporal: {exc}") from exc
        for schedule_id, what in done.items():
            self.stdout.write(f"{schedule_id}: {what}")
