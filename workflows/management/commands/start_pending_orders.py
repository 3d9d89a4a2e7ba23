"""Start the workflow of every received order that has none yet (Temporal was down)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from orders.models import Order
from orders.services.checkout import start_pending_orders
from orders.status import OrderStatus


class Command(BaseCommand):
    help = "Start OrderWorkflow for every received order that has no workflow yet (oldest first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="Start at most this many.")

    def handle(self, *args: Any, limit: int | None = None, **options: Any) -> None:
        if limit is not None and limit < 1:
            self.stderr.write("--limit must be at least 1.")
            return
        started = start_pending_orders(limit=limit)
        waiting = Order.objects.filter(
            workflow_started_at__isnull=True, status=OrderStatus.RECEIVED
        ).count()
        self.stdout.write(f"Started {started} order workflow(s); {waiting} still waiting.")
        if waiting and not started:
            self.stderr.write("Temporal could not be reached: try again later.")
