"""``make run``: migrate, seed the demo, start Temporal + worker + web server; Ctrl-C stops all.

Run with the project's virtualenv Python from anywhere::

    .venv/bin/python scripts/run.py [--web-port 8000] [--temporal-port 7233] [--ui-port 8233]

If ``TEMPORAL_ADDRESS`` is set explicitly, that server is used and no dev server is started.
Otherwise a Temporal dev server is started on 127.0.0.1 with its state in ``.data/temporal.db``
(workflows survive restarts) and its log in ``.data/temporal.log`` (``SHOP_DATA_DIR`` moves both,
together with the default SQLite database).

Children run in their own process groups, so Ctrl-C reaches only this script, which then stops
them in order: worker first (it finishes or hands back its tasks while Temporal is still up), then
the web server, then Temporal. If a child dies on its own, the rest are stopped and the exit code
is non-zero.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# Same place as the settings' SQLite database (``SHOP_DATA_DIR``, default ``.data/``).
DATA_DIR = Path(os.environ.get("SHOP_DATA_DIR", BASE_DIR / ".data"))
sys.path.insert(0, str(BASE_DIR))

from workflows.devserver import DevServer, port_in_use  # noqa: E402

DEMO_ADMIN = "admin@example.com / admin"
DEMO_SHOPPER = "shopper@example.com / shopper"
WORKER_STOP_SECONDS = 30.0  # activities in flight get this long to finish
WEB_STOP_SECONDS = 10.0


class RunError(Exception):
    """A problem the user can fix; the message says how."""


class _OwnGroupDevServer(DevServer):
    """The dev server in its own process group, so Ctrl-C in the terminal doesn't reach it
    before the worker has stopped."""

    def start(self, timeout: float = 60.0) -> DevServer:
        if port_in_use(self.port):
            raise RunError(f"port {self.port} is in use: is another Temporal server running?")
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.wait_ready(timeout)
        return self


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    stop_signal: int = signal.SIGTERM
    stop_seconds: float = WEB_STOP_SECONDS

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if not self.alive():
            return
        _signal_group(self.process, self.stop_signal)
        try:
            self.process.wait(self.stop_seconds)
        except subprocess.TimeoutExpired:
            print(f"run: {self.name} did not stop in {self.stop_seconds:.0f}s; killing it.")
            _signal_group(self.process, signal.SIGKILL)
            self.process.wait()


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


@dataclass
class Stack:
    temporal: DevServer | None = None
    children: list[Child] = field(default_factory=list)

    def stop(self) -> None:
        """Worker first, then web, then Temporal (children are kept in that order)."""
        for child in self.children:
            child.stop()
        if self.temporal is not None:
            self.temporal.stop()
            self.temporal = None

    def dead_child(self) -> Child | None:
        return next((c for c in self.children if not c.alive()), None)


def manage(*args: str) -> list[str]:
    return [sys.executable, str(BASE_DIR / "manage.py"), *args]


def has_command(name: str) -> bool:
    return any(BASE_DIR.glob(f"*/management/commands/{name}.py"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--web-port", type=int, default=8000)
    parser.add_argument("--temporal-port", type=int, default=7233)
    parser.add_argument("--ui-port", type=int, default=8233)
    parser.add_argument("--skip-seed", action="store_true", help="don't run seed_demo")
    return parser.parse_args(argv)


def check_ports(args: argparse.Namespace, explicit_temporal: bool) -> None:
    """Fail fast, before anything starts, when a port we need is taken."""
    if port_in_use(args.web_port):
        raise RunError(
            f"port {args.web_port} is in use: is the shop already running? Stop it, or pick "
            f"another port with `python scripts/run.py --web-port 8001`."
        )
    if explicit_temporal:
        address = os.environ["TEMPORAL_ADDRESS"]
        host, _, port = address.rpartition(":")
        if not port.isdigit() or not port_in_use(int(port), host.strip("[]") or "127.0.0.1"):
            raise RunError(
                f"TEMPORAL_ADDRESS={address} does not answer. Start that Temporal server, or unset "
                "TEMPORAL_ADDRESS and `make run` starts a dev server for you."
            )
        return
    for port, what in ((args.temporal_port, "Temporal"), (args.ui_port, "Temporal UI")):
        if port_in_use(port):
            raise RunError(
                f"port {port} is in use: another Temporal server? Stop it, or set "
                f"TEMPORAL_ADDRESS=127.0.0.1:{args.temporal_port} to use the server that is "
                f"already running (and TEMPORAL_UI_URL for its UI). ({what} port)"
            )


def prepare_database(env: dict[str, str], seed: bool) -> None:
    steps = [("migrate", manage("migrate", "--no-input"))]
    if seed:
        steps.append(("seed_demo", manage("seed_demo")))
    for name, cmd in steps:
        print(f"run: {name} ...", flush=True)
        if subprocess.run(cmd, env=env, cwd=BASE_DIR).returncode != 0:
            raise RunError(f"`manage.py {name}` failed (see above).")


def start(args: argparse.Namespace, env: dict[str, str], stack: Stack) -> dict[str, str]:
    """Start Temporal (unless given), the worker and the web server; return the addresses."""
    data_dir = DATA_DIR
    data_dir.mkdir(parents=True, exist_ok=True)
    if "TEMPORAL_ADDRESS" in os.environ:
        address = os.environ["TEMPORAL_ADDRESS"]
        ui = os.environ.get("TEMPORAL_UI_URL", "(set TEMPORAL_UI_URL to show it here)")
        print(f"run: using the Temporal server at {address} (TEMPORAL_ADDRESS is set).")
    else:
        print(f"run: starting the Temporal dev server on 127.0.0.1:{args.temporal_port} ...")
        server = _OwnGroupDevServer(
            port=args.temporal_port,
            ui_port=args.ui_port,
            db_filename=data_dir / "temporal.db",
            headless=False,
            log_path=data_dir / "temporal.log",
        )
        stack.temporal = server
        server.start()
        address, ui = server.address, server.ui_url
        env["TEMPORAL_ADDRESS"] = address
        env.setdefault("TEMPORAL_UI_URL", ui)

    if has_command("runworker"):
        stack.children.append(
            Child(
                "worker",
                subprocess.Popen(
                    manage("runworker"), env=env, cwd=BASE_DIR, start_new_session=True
                ),
                stop_signal=signal.SIGINT,
                stop_seconds=WORKER_STOP_SECONDS,
            )
        )
    else:
        print(
            "run: note: `manage.py runworker` does not exist yet; orders will wait in "
            "'received' until a worker runs."
        )
    web = f"127.0.0.1:{args.web_port}"
    stack.children.append(
        Child(
            "web server",
            subprocess.Popen(
                manage("runserver", web, "--noreload"),
                env=env,
                cwd=BASE_DIR,
                start_new_session=True,
            ),
        )
    )
    return {"temporal": address, "ui": ui, "web": f"http://{web}"}


def wait_for_web(port: int, stack: Stack, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not port_in_use(port):
        if stack.dead_child():
            return
        time.sleep(0.1)


def banner(urls: dict[str, str], stack: Stack) -> str:
    pids = [f"{c.name} {c.process.pid}" for c in stack.children]
    if stack.temporal is not None and stack.temporal.process is not None:
        pids.insert(0, f"temporal {stack.temporal.process.pid}")
    return "\n".join(
        [
            "",
            "=" * 64,
            f"  Shop         {urls['web']}/",
            f"  Admin        {urls['web']}/admin/   login {DEMO_ADMIN}",
            f"  Demo shopper {DEMO_SHOPPER}",
            f"  Temporal UI  {urls['ui']}   (server {urls['temporal']})",
            f"  Processes    {', '.join(pids)}",
            "  Ctrl-C stops everything.",
            "=" * 64,
            "",
        ]
    )


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(BASE_DIR)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # Set both explicitly: a shell that starts us in the background leaves SIGINT ignored.
    signal.signal(signal.SIGINT, _raise_interrupt)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    stack = Stack()
    code = 0
    try:
        check_ports(args, explicit_temporal="TEMPORAL_ADDRESS" in os.environ)
        prepare_database(env, seed=not args.skip_seed)
        urls = start(args, env, stack)
        wait_for_web(args.web_port, stack)
        if not stack.dead_child():
            print(banner(urls, stack), flush=True)
        while (dead := stack.dead_child()) is None:
            time.sleep(0.5)
        print(
            f"run: the {dead.name} exited unexpectedly (exit code {dead.process.returncode}); "
            "stopping the rest.",
            file=sys.stderr,
        )
        code = 1
    except KeyboardInterrupt:
        print("\nrun: stopping (worker, then web server, then Temporal) ...", flush=True)
    except (RunError, TimeoutError, RuntimeError, FileNotFoundError) as exc:
        print(f"run: {exc}", file=sys.stderr)
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip clean-up
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
    if code == 0:
        print("run: stopped.")
    return code


if __name__ == "__main__":
    sys.exit(main())
