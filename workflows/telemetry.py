"""The worker's metrics endpoint: the Temporal SDK's metrics and the shop's, on one port.

``runworker --metrics-bind HOST:PORT`` (or ``METRICS_BIND``) builds a ``temporalio.runtime.
Runtime`` whose Prometheus exporter listens on a private loopback port, connects the worker's
client with it, and serves ``http://HOST:PORT/metrics``: the SDK's page (``temporal_*``:
workflow/activity task latencies, slots, polls, completions) followed by the shop's own
(``shop_*``, ``shop.metrics``). One scrape target per worker.
"""

from __future__ import annotations

import logging
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from shop.metrics import STUCK_REGISTRY, exposition
from workflows.devserver import free_port

logger = logging.getLogger("workflows.telemetry")


def parse_bind(bind: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:9000`` for IPv6) -> (host, port); ``ValueError`` when malformed."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"expected HOST:PORT, got {bind!r}")
    return host.strip("[]"), int(port)


class MetricsServer:
    """A ``Runtime`` exporting SDK metrics on a private port, and the public page serving them
    with the shop's. ``runtime`` is what the worker's client must be connected with."""

    def __init__(self, bind: str) -> None:
        self.host, self.port = parse_bind(bind)
        self.sdk_address = f"127.0.0.1:{free_port()}"
        self.runtime = Runtime(
            telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=self.sdk_address))
        )
        sdk_url = f"http://{self.sdk_address}/metrics"

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path.split("?")[0] not in ("/metrics", "/"):
                    self.send_error(404)
                    return
                body = sdk_page(sdk_url) + exposition() + stuck_page()
                self.send_response(200)
                self.send_header("Content-Type", CONTENT_TYPE_LATEST)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # a scrape every 15 s is not news

        self.httpd = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self.httpd.server_address[1]  # port 0 picks a free one
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, name="metrics-server", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/metrics"

    def start(self) -> MetricsServer:
        self.thread.start()
        logger.info("metrics on %s (Temporal SDK and shop)", self.url)
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def sdk_page(url: str) -> bytes:
    """The SDK exporter's page; empty (logged) if it does not answer, so the shop's still go."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our loopback)
            return response.read().rstrip(b"\n") + b"\n"
    except OSError as exc:
        logger.warning("Temporal SDK metrics unavailable: %s", exc)
        return b""


def stuck_page() -> bytes:
    """``shop_orders_stuck`` from the database; empty (logged) when the database is down."""
    try:
        return generate_latest(STUCK_REGISTRY)
    except Exception:
        logger.exception("stuck-orders metric unavailable")
        return b""
