"""The compose stack runs the two task queues in two pools: a hung mail server can hold only
the email worker's slots (checked structurally: no Docker engine here)."""

from __future__ import annotations

import yaml

from tests.shop.test_production_settings import BASE_DIR


def _services() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]


def test_orders_and_emails_run_in_separate_worker_pools():
    # Given the compose services
    services = _services()

    # When the two workers' commands are read
    orders = services["worker"]["command"]
    emails = services["email-worker"]["command"]

    # Then each runs runworker on its own queue, with the app's environment and a drain
    assert orders[:5] == [
        "python",
        "manage.py",
        "runworker",
        "--task-queue",
        "${TEMPORAL_TASK_QUEUE:-orders}",
    ]
    assert emails[:5] == [
        "python",
        "manage.py",
        "runworker",
        "--task-queue",
        "${TEMPORAL_EMAIL_TASK_QUEUE:-emails}",
    ]
    assert services["email-worker"]["environment"] == services["worker"]["environment"]
    drain = float(emails[emails.index("--graceful-shutdown-timeout") + 1])
    assert float(services["email-worker"]["stop_grace_period"].removesuffix("s")) > drain
