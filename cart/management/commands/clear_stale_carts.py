"""``python manage.py clear_stale_carts [--days N]``: delete abandoned anonymous carts.

Anonymous carts live as long as their session; nothing else removes them once the session has
expired. Deletes expired sessions too, then carts whose session is gone (a client that never
sent its cookie back, e.g. cookieless API calls) after an hour, and any anonymous cart unchanged
for --days. Run it hourly (cron, systemd timer).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cart.services import delete_orphaned_anonymous_carts, delete_stale_anonymous_carts


class Command(BaseCommand):
    help = "Delete anonymous carts not changed for --days days (default: the session lifetime)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=float,
            default=None,
            help="Age in days (default: SESSION_COOKIE_AGE, 14 days unless configured).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days is None:
            days = settings.SESSION_COOKIE_AGE / 86400
        if days <= 0:
            raise CommandError("--days must be more than 0.")
        orphans = delete_orphaned_anonymous_carts()
        deleted = delete_stale_anonymous_carts(timedelta(days=days))
        self.stdout.write(f"Deleted {orphans} anonymous cart(s) whose session is gone.")
        self.stdout.write(f"Deleted {deleted} anonymous cart(s) unchanged for {days:g} days.")
