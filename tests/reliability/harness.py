"""Helpers for the reliability tests: a real ``runworker`` subprocess and bounded polling.

Nothing here mocks anything: the worker is ``python manage.py runworker`` in its own process,
talking to a real Temporal server and to the pytest-django test database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from django.conf import settings
from django.db import connection

# The workers' fast timeouts and retries (``WorkerProcess.environment``). A workflow runs by the
# settings of whoever starts it (they travel in ``OrderInput``): this test process starts the
# orders, so it uses the same values.
WORKER_TIMINGS = {
    "ORDER_ACTIVITY_TIMEOUT_SECONDS": 5.0,
    "ORDER_RETRY_INITIAL_INTERVAL_SECONDS": 0.2,
    "ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS": 1.0,
}


T = TypeVar("T")

BASE_DIR = Path(settings.BASE_DIR)


def wait_until(
    predicate: Callable[[], T],
    timeout: float,
    interval: float = 0.1,
    message: str | Callable[[], str] = "condition",
) -> T:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"Timed out after {timeout:.0f}s waiting for: {text}")
        time.sleep(interval)


def current_database_url() -> str:
    """A ``DATABASE_URL`` for the database this test process is using right now (the
    pytest-django test database, ``test_<name>``), so a subprocess sees the same rows."""
    conf = connection.settings_dict
    if connection.vendor != "postgresql":
        raise RuntimeError("A worker subprocess needs PostgreSQL (SQLite's test DB is in memory).")
    user = quote(conf.get("USER") or "", safe="")
    password = quote(conf.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = conf.get("HOST") or "127.0.0.1"
    port = conf.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{conf['NAME']}"


class WorkerProcess:
    """``python manage.py runworker --task-queue Q`` as a child process that can be killed and
    started again. Output of every run is appended to ``log_path``."""

    def __init__(
        self,
        *,
        task_queue: str,
        temporal_address: str,
        log_path: Path,
        database_url: str | None = None,
        max_concurrent_activities: int = 10,
        env: dict[str, str] | None = None,
    ) -> None:
        self.task_queue = task_queue
        self.temporal_address = temporal_address
        self.log_path = Path(log_path)
        self.database_url = database_url or current_database_url()
        self.max_concurrent_activities = max_concurrent_activities
        self.env = dict(env or {})
        self.process: subprocess.Popen | None = None
        self.runs = 0

    def command(self) -> list[str]:
        return [
            sys.executable,
            str(BASE_DIR / "manage.py"),
            "runworker",
            "--task-queue",
            self.task_queue,
            "--max-concurrent-activities",
            str(self.max_concurrent_activities),
        ]

    def environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SHOP_CRASH_", "PYTEST_", "DJANGO_SETTINGS_MODULE"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "tests.reliability.worker_settings",
                "DATABASE_URL": self.database_url,
                "CONN_MAX_AGE": "0",
                "TEMPORAL_ADDRESS": self.temporal_address,
                "TEMPORAL_NAMESPACE": settings.TEMPORAL_NAMESPACE,
                "TEMPORAL_TASK_QUEUE": self.task_queue,
                "PAYMENT_GATEWAY": settings.PAYMENT_GATEWAY,
                "FAKE_GATEWAY_FAILURE_RATE": str(settings.FAKE_GATEWAY_FAILURE_RATE),
                # No sweeper: the test decides when pending orders are started.
                "ORDER_SWEEP_INTERVAL_SECONDS": "0",
                "TEMPORAL_SCHEDULES": "false",  # nor any other periodic job
                # locmem would be invisible across processes: tests assert on
                # EmailNotification rows (notifications log each send).
                "EMAIL_URL": "dummymail://",
                "LOG_LEVEL": "INFO",
                # Fast retries; a killed worker's activity is retried after this timeout.
                **{name: str(value) for name, value in WORKER_TIMINGS.items()},
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.env)
        return env

    def start(self, **env: str) -> WorkerProcess:
        if self.running:
            raise RuntimeError("The worker is already running.")
        self.env.update(env)
        self.runs += 1
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== worker run {self.runs}: {' '.join(self.command())}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.command(),
                cwd=BASE_DIR,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def wait_exit(self, timeout: float) -> int:
        """Wait for the process to end by itself (e.g. fault injection SIGKILLed it)."""
        assert self.process is not None, "worker never started"
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"worker still running after {timeout:.0f}s\n{self.log_tail()}"
            ) from None

    def kill(self) -> None:
        """SIGKILL: no drain, no goodbye, like a crashed host."""
        if self.running:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (graceful drain), SIGKILL if it does not exit in time."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self, **env: str) -> WorkerProcess:
        self.stop()
        return self.start(**env)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_text()[-chars:]


def order_state(order_number: str) -> dict[str, Any]:
    """What the database says about an order: for assertion messages."""
    from orders.models import GatewayTransaction, Order

    order = Order.objects.get(number=order_number)
    return {
        "status": order.status,
        "failure_reason": order.failure_reason,
        "events": list(order.events.values_list("kind", flat=True)),
        "payments": list(order.payments.values_list("kind", "status")),
        "gateway": list(
            GatewayTransaction.objects.filter(
                idempotency_key__startswith=f"order-{order_number}-"
            ).values_list("kind", "status", "attempts")
        ),
        "emails": list(order.notifications.values_list("kind", flat=True)),
    }


def make_order(product: Any, quantity: int = 1, *, token: str = "tok_success_reliability") -> Any:
    """A received order of ``quantity`` x ``product`` whose totals add up (as ``place_order``
    leaves it, without a workflow yet). Its number is unique across test sessions, so a
    workflow id never collides on a long-lived Temporal server."""
    import uuid
    from decimal import Decimal

    from tests.factories import OrderFactory, OrderLineFactory

    subtotal = product.price * quantity
    shipping = Decimal("4.90")
    order = OrderFactory(
        number=f"R{uuid.uuid4().hex[:12].upper()}",
        subtotal=subtotal,
        shipping_cost=shipping,
        total=subtotal + shipping,
        payment_token=token,
    )
    OrderLineFactory(order=order, product=product, quantity=quantity)
    return order


def payments_of(order_number: str) -> dict[str, list[tuple[str, str, str]]]:
    """The order's money as the provider (the fake gateway's ledger) and the shop (``Payment``
    rows) see it: one ``(kind, idempotency key, status)`` per call, its retries counted once.
    Compare with ``authorized_and_captured_once``."""
    from orders.models import GatewayTransaction, Payment

    ledger = GatewayTransaction.objects.filter(idempotency_key__startswith=f"order-{order_number}-")
    shop = Payment.objects.filter(order__number=order_number)
    return {
        "gateway": sorted(ledger.values_list("kind", "idempotency_key", "status")),
        "payments": sorted(shop.values_list("kind", "idempotency_key", "status")),
    }


def authorized_and_captured_once(order_number: str) -> dict[str, list[tuple[str, str, str]]]:
    """``payments_of`` an order whose total was authorized exactly once and captured exactly
    once: nothing charged at once, voided or refunded."""
    authorize = f"order-{order_number}-authorize"
    capture = f"order-{order_number}-capture"
    return {
        "gateway": [
            ("authorize", authorize, "succeeded"),
            ("capture", capture, "succeeded"),
        ],
        "payments": [
            ("authorization", authorize, "succeeded"),
            ("capture", capture, "succeeded"),
        ],
    }


CHECKOUT_ADDRESS = {
    "full_name": "Grace Hopper",
    "line1": "2 Compiler Road",
    "city": "Arlington",
    "postal_code": "22201",
    "country": "US",
}


def cart_with(product: Any, quantity: int = 1) -> Any:
    """A shopper's cart holding ``quantity`` x ``product``."""
    from tests.factories import CartItemFactory

    return CartItemFactory(product=product, quantity=quantity).cart


def place(cart: Any, email: str) -> Any:
    """What the checkout page does with a cart: tokenize the success card and ``place_order``
    (which starts the order's workflow after commit, or leaves it to the sweeper)."""
    import uuid

    from orders.payments.fake import FakeGateway
    from orders.services.checkout import place_order

    card = FakeGateway().tokenize("4242424242424242", 12, 2099, "123")
    result = place_order(
        cart=cart,
        email=email,
        shipping_address=CHECKOUT_ADDRESS,
        shipping_method="standard",
        card=card,
        checkout_token=uuid.uuid4().hex,
    )
    assert result.created
    return result.order


def checkout(product: Any, email: str, quantity: int = 1) -> Any:
    return place(cart_with(product, quantity), email)
