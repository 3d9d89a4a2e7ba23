"""The shop's Temporal Schedules on the dev server: synced idempotently, and the nightly
reconciliation run by its schedule gives unrecorded money back once."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from temporalio.client import Client
from temporalio.service import RPCError

from orders.models import GatewayTransaction, OrderEvent
from orders.payments import get_gateway
from orders.services import billing
from tests.workflows.helpers import make_order, wait_for
from workflows import schedules
from workflows.client import connect
from workflows.management.commands.runworker import WorkerRunner

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]

IDS = ["shop-sweeper", "shop-stale-carts", "shop-reconcile-payments"]


async def _delete_all(client: Client) -> None:
    for schedule_id in IDS:
        with contextlib.suppress(RPCError):  # not there
            await client.get_schedule_handle(schedule_id).delete()


@pytest.fixture
def schedule_client(temporal, background_loop):
    """A client for the dev server; the shop's schedules deleted before and after."""
    client = background_loop.run(connect(timeout=10), timeout=30)
    background_loop.run(_delete_all(client), timeout=30)
    yield client
    background_loop.run(_delete_all(client), timeout=30)


def listed_ids(background_loop, client: Client) -> list[str]:
    async def _list() -> list[str]:
        return sorted([s.id async for s in await client.list_schedules()])

    return background_loop.run(_list(), timeout=10)


def test_sync_schedules_twice_creates_each_schedule_once(schedule_client, background_loop, capsys):
    # Given no shop schedule on the server
    # When sync_schedules runs twice
    call_command("sync_schedules")
    first = capsys.readouterr().out
    call_command("sync_schedules")
    second = capsys.readouterr().out

    # Then the first run creates the three, the second updates them, and each exists once
    assert (
        first
        == "shop-sweeper: created\nshop-stale-carts: created\nshop-reconcile-payments: created\n"
    )
    assert (
        second
        == "shop-sweeper: updated\nshop-stale-carts: updated\nshop-reconcile-payments: updated\n"
    )
    wait_for(lambda: listed_ids(background_loop, schedule_client) == sorted(IDS))


def _run_schedule(background_loop, client: Client, schedule_id: str, runs_before: int) -> Any:
    """Trigger the schedule now and return its run's result."""

    async def _trigger() -> None:
        await client.get_schedule_handle(schedule_id).trigger()

    async def _actions() -> list:
        return (await client.get_schedule_handle(schedule_id).describe()).info.recent_actions

    background_loop.run(_trigger(), timeout=10)
    actions = wait_for(
        lambda: (a := background_loop.run(_actions(), timeout=10)) and len(a) > runs_before and a
    )
    workflow_id = actions[-1].action.workflow_id
    return background_loop.run(client.get_workflow_handle(workflow_id).result(), timeout=60)


def test_reconciliation_schedule_refunds_an_unrecorded_capture_once(
    schedule_client, order_worker, background_loop, settings
):
    # Given an authorization the shop recorded and a capture of it the provider accepted
    # 20 minutes ago that the shop never recorded (a crash right after the provider's answer)
    order = make_order(quantity=1, price="20.00")
    order.status = "reserved"
    order.save(update_fields=["status"])
    authorization = billing.authorize_payment(order.number)
    key = f"order-{order.number}-capture"
    capture = get_gateway().capture(authorization.gateway_reference, Decimal("24.90"), "EUR", key)
    GatewayTransaction.objects.update(created_at=timezone.now() - timedelta(minutes=20))
    background_loop.run(schedules.sync(schedule_client), timeout=30)

    # When the reconciliation schedule runs, then runs again
    first = _run_schedule(background_loop, schedule_client, "shop-reconcile-payments", 0)
    second = _run_schedule(background_loop, schedule_client, "shop-reconcile-payments", 1)

    # Then the capture was refunded once, under the reconciliation's key, and noted once
    assert first == "settled 1 unrecorded provider movement(s)"
    assert second == "settled 0 unrecorded provider movement(s)"
    refunds = GatewayTransaction.objects.filter(kind="refund", token=capture.reference)
    assert [(r.idempotency_key, r.amount) for r in refunds] == [
        (f"{key}-reconcile", Decimal("24.90"))
    ]
    assert OrderEvent.objects.filter(order=order, kind="staff_action").count() == 1


@pytest.mark.parametrize("schedules_on", [False, True], ids=["off", "sync-fails"])
def test_runworker_sweeps_itself_without_schedules(settings, schedules_on):
    # Given schedules turned off, or on but Temporal refusing the sync (no client here)
    settings.TEMPORAL_SCHEDULES = schedules_on
    runner = WorkerRunner(
        queues=[], connect_timeout=1, graceful_shutdown_timeout=1, sweep_interval=30
    )

    # When the worker syncs its schedules at start
    synced = asyncio.run(runner.sync_schedules(None))

    # Then it reports none, so its own sweeper thread starts pending orders
    assert synced is False
