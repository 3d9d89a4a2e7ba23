"""Smoke tests: the admin answers, and ``make run`` (scripts/run.py) really starts and stops the
whole stack (Temporal dev server, worker, web server) on free ports in a temp data dir."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from workflows.devserver import free_port

BASE_DIR = Path(__file__).resolve().parent.parent
RUN = [sys.executable, str(BASE_DIR / "scripts" / "run.py")]


@pytest.mark.django_db
def test_admin_login_page_renders(client):
    # Given a fresh database / When the admin login page is requested / Then it renders
    response = client.get("/admin/login/")
    assert response.status_code == 200


def _env(tmp_path: Path) -> dict[str, str]:
    """A clean environment: SQLite and Temporal state in tmp_path, no outside Temporal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "DATABASE_URL"))}
    env["SHOP_DATA_DIR"] = str(tmp_path)
    return env


def test_run_refuses_when_temporal_port_is_taken(tmp_path):
    # Given something already listening on the Temporal port
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        # When `make run` starts
        started = time.monotonic()
        result = subprocess.run(
            [
                *RUN,
                "--temporal-port",
                str(port),
                "--web-port",
                str(free_port()),
                "--ui-port",
                str(free_port()),
            ],
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=30,
        )
    # Then it says so clearly, before migrating anything, and exits non-zero
    assert result.returncode == 1
    assert f"port {port} is in use: another Temporal server?" in result.stderr
    assert "TEMPORAL_ADDRESS" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "db.sqlite3").exists()
    assert time.monotonic() - started < 10


def test_run_refuses_an_explicit_temporal_address_that_does_not_answer(tmp_path):
    # Given TEMPORAL_ADDRESS pointing at a port where nothing listens
    port = free_port()
    env = {**_env(tmp_path), "TEMPORAL_ADDRESS": f"127.0.0.1:{port}"}
    # When `make run` starts
    result = subprocess.run(
        [*RUN, "--web-port", str(free_port())], env=env, capture_output=True, text=True, timeout=30
    )
    # Then it says so before doing anything and exits non-zero
    assert result.returncode == 1
    assert f"TEMPORAL_ADDRESS=127.0.0.1:{port} does not answer." in result.stderr
    assert not (tmp_path / "db.sqlite3").exists()


def _start_stack(
    tmp_path: Path, **extra_env: str
) -> tuple[subprocess.Popen, int, dict[str, int], list[str]]:
    web, temporal, ui = free_port(), free_port(), free_port()
    proc = subprocess.Popen(
        [*RUN, "--web-port", str(web), "--temporal-port", str(temporal), "--ui-port", str(ui)],
        env={**_env(tmp_path), **extra_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            pytest.fail("run.py exited before it was ready:\n" + "".join(lines))
        lines.append(line)
        if "Processes" in line:
            pids = {
                name: int(pid) for name, pid in re.findall(r"(temporal|worker|server) (\d+)", line)
            }
            return proc, web, pids, lines
    proc.kill()
    pytest.fail("run.py did not print its banner in time:\n" + "".join(lines))


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie child of run.py that run.py has reaped disappears; one it hasn't is still "there".
    return False


@pytest.mark.slow
@pytest.mark.temporal
def test_run_serves_the_shop_stops_on_ctrl_c_and_when_a_child_dies(
    tmp_path, temporal_dev_server, background_loop
):
    # Given `make run` started on free ports
    proc, web, pids, lines = _start_stack(tmp_path)
    try:
        output = "".join(lines)
        # Then it printed the addresses and the demo admin login
        assert f"Shop         http://127.0.0.1:{web}/" in output
        assert "login admin@example.com / admin" in output
        assert "Temporal UI  http://127.0.0.1:" in output
        assert set(pids) == {"temporal", "worker", "server"}
        # And the shop answers with the seeded catalog
        with urllib.request.urlopen(f"http://127.0.0.1:{web}/products/", timeout=10) as resp:
            assert resp.status == 200
            assert "45 products" in resp.read().decode()
        # When Ctrl-C is pressed
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    # Then it exits 0 after stopping the worker, the web server and Temporal
    assert proc.returncode == 0, rest
    assert "run: stopped." in rest
    assert all(_gone(pid) for pid in pids.values())
    assert (tmp_path / "temporal.db").exists()

    # Given it is started again on the same data, this time with TEMPORAL_ADDRESS set to a
    # running server (migrations and seed have nothing left to do)
    proc, _web, pids, lines = _start_stack(tmp_path, TEMPORAL_ADDRESS=temporal_dev_server.address)
    try:
        output = "".join(lines)
        assert "5 categories (0 new), 45 products (0 new" in output
        assert f"using the Temporal server at {temporal_dev_server.address}" in output
        assert set(pids) == {"worker", "server"}
        # When the web server dies on its own
        os.kill(pids["server"], signal.SIGKILL)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    # Then run.py says which one, stops the worker, exits non-zero and leaves the server it
    # didn't start alone
    assert proc.returncode == 1
    assert "the web server exited unexpectedly" in rest
    assert _gone(pids["worker"])
    assert temporal_dev_server.reachable(background_loop)
