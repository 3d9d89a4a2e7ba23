"""``manage.py runworker``: bounded connect retry, graceful drain, the pending-order sweeper."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orders.models import Order
from tests.workflows.helpers import make_order
from workflows.management.commands.runworker import sweep_once

BASE_DIR = Path(__file__).resolve().parents[2]


def runworker(tmp_path: Path, *args: str, **env: str) -> subprocess.Popen:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        "SHOP_DATA_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
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
