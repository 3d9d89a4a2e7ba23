"""``manage.py runworker``: bounded connect retry, graceful drain, the pending-order sweeper."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from orders.models import Order, Payment
from tests.workflows.helpers import make_order, start
from workflows.management.commands.runworker import sweep_once

BASE_DIR = Path(__file__).resolve().parents[2]


def runworker(tmp_path: Path, *args: str, **env: str) -> subprocess.Popen:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        "SHOP_DATA_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
        "TEMPORAL_SCHEDULES": "false",  # schedules: tests/workflows/test_schedules.py
        **env,
    }
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "runworker", *args],
        cwd=BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for_log(tmp_path: Path, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        output = (tmp_path / "worker.log").read_text()
        if text in output:
            return output
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not logged within {timeout}s:\n{output}")


def test_unreachable_temporal_exits_nonzero_with_one_line_error(tmp_path):
    # Given no Temporal server at the configured address
    started = time.monotonic()

    # When the worker starts with a 1-second connect budget
    process = runworker(tmp_path, "--connect-timeout", "1", TEMPORAL_ADDRESS="127.0.0.1:1")
    code = process.wait(30)

    # Then it gives up quickly, exits 1 and says why on one line
    output = (tmp_path / "worker.log").read_text().strip().splitlines()
    assert code == 1
    assert output[-1].startswith(
        "CommandError: Could not reach Temporal at 127.0.0.1:1 (namespace default) after "
    )
    assert time.monotonic() - started < 20


@pytest.mark.temporal
def test_sigterm_drains_and_exits_cleanly(tmp_path, temporal_dev_server):
    # Given a running worker
    process = runworker(
        tmp_path,
        "--task-queue",
        "runworker-drain-test",
        "--max-concurrent-activities",
        "3",
        "--sweep-interval",
        "0",
        TEMPORAL_ADDRESS=temporal_dev_server.address,
    )
    try:
        started = wait_for_log(tmp_path, "worker started")
        assert "task_queue=runworker-drain-test max_concurrent_activities=3" in started

        # When it gets SIGTERM
        process.send_signal(signal.SIGTERM)
        code = process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()

    # Then it drained and stopped with success
    output = (tmp_path / "worker.log").read_text()
    assert code == 0, output
    assert "draining: waiting up to 30s for running activities" in output
    assert "worker stopped" in output


@pytest.mark.django_db
def test_sweeper_tolerates_temporal_being_down():
    # Given a received order with no workflow and Temporal down (the test default)
    order = make_order()

    # When the sweeper runs / Then it starts nothing and does not raise
    assert sweep_once() == 0
    assert Order.objects.get(pk=order.pk).workflow_started_at is None


@pytest.mark.temporal
@pytest.mark.django_db
def test_sweeper_starts_orders_without_a_workflow(temporal):
    # Given a received order with no workflow and Temporal up
    order = make_order()

    # When the sweeper runs
    started = sweep_once()

    # Then the order's workflow was started
    assert started == 1
    assert Order.objects.get(pk=order.pk).workflow_started_at is not None


@pytest.fixture
def gated_worker(tmp_path, temporal, settings, background_loop):
    """A ``runworker`` subprocess on this test's PostgreSQL database whose payment
    authorizations wait for ``gate/release``; yields (process, gate dir, a client, the task
    queue)."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker process can't see SQLite's in-memory test database")
    gate = tmp_path / "gate"
    gate.mkdir()
    db = connection.settings_dict
    process = runworker(
        tmp_path,
        "--sweep-interval",
        "0",
        "--graceful-shutdown-timeout",
        "20",
        TEMPORAL_ADDRESS=temporal.address,
        TEMPORAL_TASK_QUEUE=settings.TEMPORAL_TASK_QUEUE,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        CONN_MAX_AGE="0",
        EMAIL_URL="dummymail://",
        PAYMENT_GATEWAY="tests.workflows.gateways.FileGatedGateway",
        SHOP_TEST_GATE_DIR=str(gate),
    )
    from workflows.client import connect

    client = background_loop.run(connect(timeout=10), timeout=30)
    try:
        wait_for_log(tmp_path, "worker started")
        yield process, gate, client, settings.TEMPORAL_TASK_QUEUE
    finally:
        (gate / "release").touch()
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _start_and_hold_in_authorization(gated_worker, background_loop) -> Order:
    process, gate, client, task_queue = gated_worker
    order = make_order()
    background_loop.run(start(client, order, task_queue), timeout=10)
    deadline = time.monotonic() + 20
    while not (gate / "entered").exists():
        assert time.monotonic() < deadline, "the authorization never started"
        time.sleep(0.05)
    return order


@pytest.mark.temporal
@pytest.mark.django_db(transaction=True)
def test_sigterm_lets_the_running_activity_finish(gated_worker, background_loop, tmp_path):
    # Given a worker process inside a payment authorization
    process, gate, _, _ = gated_worker
    order = _start_and_hold_in_authorization(gated_worker, background_loop)

    # When it gets SIGTERM, then the authorization is let go
    process.send_signal(signal.SIGTERM)
    wait_for_log(tmp_path, "draining")
    time.sleep(0.3)
    still_running = process.poll() is None
    (gate / "release").touch()
    code = process.wait(30)

    # Then it waited for the authorization, which committed, and exited cleanly
    assert still_running
    assert code == 0, (tmp_path / "worker.log").read_text()
    assert list(Payment.objects.filter(order=order).values_list("kind", "status")) == [
        ("authorization", "succeeded")
    ]
    assert Order.objects.get(pk=order.pk).status == "authorized"


@pytest.mark.temporal
@pytest.mark.django_db(transaction=True)
def test_a_second_signal_exits_at_once(gated_worker, background_loop, tmp_path):
    # Given a draining worker process still inside a payment authorization
    process, _, _, _ = gated_worker
    order = _start_and_hold_in_authorization(gated_worker, background_loop)
    process.send_signal(signal.SIGTERM)
    wait_for_log(tmp_path, "draining")

    # When it gets a second signal
    process.send_signal(signal.SIGINT)
    code = process.wait(10)

    # Then it stops at once without finishing the authorization
    assert code == 1
    assert "second signal: exiting now" in (tmp_path / "worker.log").read_text()
    assert Payment.objects.filter(order=order).count() == 0
