"""``python manage.py simulate_delivery ORDER_NUMBER [--status delivered|in_transit]``

Plays the carrier: builds a correctly signed webhook request for the order's shipment and
hands it to the real webhook view in-process, so a demo can finish an order end to end.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import RequestFactory
from django.urls import reverse

from orders.models import Order, Shipment
from orders.views.webhook import carrier_webhook, signed_headers
from workflows.client import CARRIER_DELIVERED, CARRIER_IN_TRANSIT


class Command(BaseCommand):
    help = "Send a signed carrier event (delivered by default) for an order's shipment."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("order_number")
        parser.add_argument(
            "--status",
            choices=[CARRIER_DELIVERED, CARRIER_IN_TRANSIT],
            default=CARRIER_DELIVERED,
        )
        parser.add_argument("--note", default="Simulated by simulate_delivery.")

    def handle(self, *args, order_number: str, status: str, note: str, **options) -> None:
        order = Order.objects.filter(number=order_number).first()
        if order is None:
            raise CommandError(f"No order {order_number!r}.")
        shipment = Shipment.objects.filter(order=order).first()
        if shipment is None:
            raise CommandError(
                f"Order {order.number} has no shipment yet (status: {order.status}); "
                "wait until it has shipped."
            )
        payload = {
            "tracking_number": shipment.tracking_number,
            "status": status,
            "event_id": f"simulated-{status}-{order.number}",
            "note": note,
        }
        body = json.dumps(payload).encode()
        request = RequestFactory().post(
            reverse("orders:carrier_webhook"),
            data=body,
            content_type="application/json",
            headers=signed_headers(body),
        )
        response = carrier_webhook(request)
        answer = json.loads(response.content)
        if response.status_code >= 300:
            raise CommandError(f"Webhook answered {response.status_code}: {answer.get('detail')}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Sent {status!r} for order {order.number} "
                f"(tracking {shipment.tracking_number}): {answer.get('detail')}"
            )
        )
