"""Fixtures of the reliability tests: worker subprocesses, a private Temporal dev server,
PostgreSQL-only skips, and worker/server logs printed when a test fails."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.reliability.harness import WORKER_TIMINGS, WorkerProcess
from workflows.client import reset_client
from workflows.devserver import DevServer

_LOGS = pytest.StashKey[list[tuple[str, Path]]]()


def _on_postgres() -> bool:
    return django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    """Skip this directory's ``postgres`` tests on SQLite at collection, before any fixture
    (dev server, workers) is set up for them."""
    if _on_postgres():
        return
    here = Path(__file__).parent
    for item in items:
        marker = item.get_closest_marker("postgres")
        if marker and here in Path(item.path).parents:
            reason = marker.kwargs.get("reason") or "needs PostgreSQL (set DATABASE_URL)"
            item.add_marker(pytest.mark.skip(reason=f"needs PostgreSQL: {reason}"))


def attach_log(request, title: str, path: Path) -> None:
    """Show the file at ``path`` under ``title`` in the report if the test fails."""
    request.node.stash.setdefault(_LOGS, []).append((title, Path(path)))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        for title, path in item.stash.get(_LOGS, []):
            try:
                text = path.read_text(errors="replace")
            except FileNotFoundError:
                text = "(no log written)"
            report.sections.append((f"{title} ({path})", text[-20000:]))
    return report


@pytest.fixture
def worker_process(
    request, transactional_db, tmp_path, settings
) -> Iterator[Callable[..., WorkerProcess]]:
    """Make ``runworker`` subprocesses on this test's task queue and database.

    Request ``temporal`` or ``private_temporal`` too: the workers use the server the settings
    point at when they are made. ``worker_process(env={...})`` returns a started
    ``WorkerProcess`` (``start=False`` to only build it). Depends on ``transactional_db`` so
    the workers are gone before the tables are flushed. Every worker's output is printed if
    the test fails.
    """
    workers: list[WorkerProcess] = []
    for name, value in WORKER_TIMINGS.items():
        setattr(settings, name, value)

    def make(*, env: dict[str, str] | None = None, start: bool = True, **kwargs) -> WorkerProcess:
        log_path = tmp_path / f"worker-{len(workers) + 1}.log"
        kwargs.setdefault("task_queue", django_settings.TEMPORAL_TASK_QUEUE)
        kwargs.setdefault("temporal_address", django_settings.TEMPORAL_ADDRESS)
        worker = WorkerProcess(log_path=log_path, env=env, **kwargs)
        workers.append(worker)
        attach_log(request, f"worker {len(workers)} log", log_path)
        return worker.start() if start else worker

    yield make
    for worker in workers:
        worker.kill()


@pytest.fixture
def private_temporal(request, settings, tmp_path) -> Iterator[DevServer]:
    """A Temporal dev server for this test alone (its own ports and database file), so a test
    can stop and restart it without disturbing the session's server. Settings point at it."""
    log_path = tmp_path / "temporal.log"
    server = DevServer(db_filename=tmp_path / "temporal.db", log_path=log_path)
    attach_log(request, "temporal dev server log", log_path)
    server.start()
    settings.TEMPORAL_ADDRESS = server.address
    settings.TEMPORAL_NAMESPACE = "default"
    reset_client()
    yield server
    server.stop()
    reset_client()
