"""/healthz: database and Temporal reachability, 200 only when both answer.

"Database down" without stopping the shared database server: the view checks
``shop.views.connection``; the test swaps in a real, separate ``DatabaseWrapper`` built from the
default alias's settings but pointed at an unreachable place (a closed port on PostgreSQL, a path
in a missing directory on SQLite). The driver really tries to connect and really fails, and the
test database the other tests use is never touched.
"""

from __future__ import annotations

import copy
import socket
import time

import pytest
from django.db import connections
from django.db.utils import OperationalError

import shop.views
from shop.views import HEALTHZ_TEMPORAL_WAIT, temporal_probe
from workflows.devserver import free_port


def _unreachable_database(tmp_path):
    default = connections["default"]
    settings_dict = copy.deepcopy(default.settings_dict)
    if default.vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "missing-dir" / "db.sqlite3")
    else:
        settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    return type(default)(settings_dict, alias="default")


@pytest.mark.temporal
@pytest.mark.django_db
def test_healthz_everything_up(client, temporal):
    # given the test database and a real Temporal dev server
    # when a load balancer polls the health check
    response = client.get("/healthz")

    # then both answer and the check says so
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "temporal": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.temporal
@pytest.mark.django_db
def test_healthz_database_down(client, temporal, tmp_path, monkeypatch, caplog):
    # given Temporal up and a database connection that cannot reach its server
    down = _unreachable_database(tmp_path)
    monkeypatch.setattr(shop.views, "connection", down)

    # when the health check runs
    try:
        response = client.get("/healthz")
    finally:
        down.close()

    # then it answers 503 naming the database, because the driver failed to connect
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": "down", "temporal": "ok"}
    failures = [r for r in caplog.records if r.getMessage() == "Database health check failed"]
    assert len(failures) == 1
    assert failures[0].exc_info[0] is OperationalError

    # and once the database answers again, so does the check
    monkeypatch.undo()
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_temporal_down(client, caplog):
    # given the default test settings: Temporal on a closed port
    # when the health check runs
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started

    # then it answers 503 naming Temporal, quickly
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": "ok", "temporal": "down"}
    assert elapsed < HEALTHZ_TEMPORAL_WAIT
    # and a degraded poll is not also logged as a server error on every poll
    assert [r for r in caplog.records if r.name == "django.request"] == []


@pytest.mark.django_db
def test_healthz_does_not_wait_for_a_hung_temporal(client, settings):
    # given a "Temporal" that accepts TCP connections but never answers, and a client that
    # would wait 5 s for it
    settings.TEMPORAL_CLIENT_TIMEOUT = 5.0
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        settings.TEMPORAL_ADDRESS = f"127.0.0.1:{silent.getsockname()[1]}"

        # when the health check runs
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started

    # then it gives up after its own short wait instead of the client's longer timeout
    assert response.status_code == 503
    assert response.json()["temporal"] == "down"
    assert HEALTHZ_TEMPORAL_WAIT - 0.1 <= elapsed < HEALTHZ_TEMPORAL_WAIT + 1.5


@pytest.mark.django_db
def test_healthz_caches_the_temporal_answer(client, monkeypatch):
    # given a counter around the real reachability check
    calls = []
    real = shop.views.temporal_reachable

    def counting() -> bool:
        calls.append(1)
        return real()

    monkeypatch.setattr(shop.views, "temporal_reachable", counting)
    monkeypatch.setattr(temporal_probe, "ttl", 0.2)

    # when the check is polled three times in quick succession, then again after the TTL
    for _ in range(3):
        assert client.get("/healthz").status_code == 503
    calls_within_ttl = len(calls)
    time.sleep(0.25)
    client.get("/healthz")

    # then Temporal was asked once per TTL, not once per poll
    assert calls_within_ttl == 1
    assert len(calls) == 2


@pytest.mark.django_db
def test_healthz_is_exempt_from_the_ssl_redirect(client, settings):
    # given production's redirect of plain HTTP to HTTPS
    settings.SECURE_SSL_REDIRECT = True

    # when a load balancer polls over plain HTTP, and a shopper opens a page over plain HTTP
    health = client.get("/healthz")
    page = client.get("/cart/")

    # then the health check answers directly and the page is redirected
    assert health.status_code == 503
    assert health.json()["database"] == "ok"
    assert page.status_code == 301
    assert page["Location"] == "https://testserver/cart/"
