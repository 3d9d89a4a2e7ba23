"""workflows.client against a real Temporal dev server (and against a closed port)."""

import socket
import threading
import time

import pytest

from workflows import client
from workflows.client import TemporalUnavailable, WorkflowNotFound


def test_temporal_down_fails_fast_with_temporal_unavailable():
    # Given settings pointing at a closed port (the test default)
    started = time.monotonic()
    # When a start is attempted / Then TemporalUnavailable is raised quickly
    with pytest.raises(TemporalUnavailable):
        client.start_order_workflow("SH-DOWN0001")
    assert time.monotonic() - started < 2.0
    assert client.temporal_reachable() is False


@pytest.mark.temporal
def test_start_is_idempotent_and_describable(temporal):
    # Given a reachable dev server (no worker: the workflow waits in its task queue)
    number = f"SH-CL{time.time_ns() % 10**6:06d}"
    # When the order's workflow is started twice
    first = client.start_order_workflow(number)
    second = client.start_order_workflow(number)
    # Then the first start starts it and the second finds it already running
    assert (first, second) == (True, False)
    snapshot = client.describe_order_workflow(number, with_progress=False)
    assert (snapshot.workflow_id, snapshot.status) == (f"order-{number}", "RUNNING")
    assert client.temporal_reachable() is True


@pytest.mark.temporal
def test_describe_unknown_workflow_raises_not_found(temporal):
    # Given a reachable server / When an order without workflow is described / Then not found
    with pytest.raises(WorkflowNotFound):
        client.describe_order_workflow("SH-NOPE0000", with_progress=False)


def test_workflow_ui_url(settings):
    # Given a UI URL setting / When a link is built / Then it names the namespace and id
    settings.TEMPORAL_UI_URL = "http://ui.example:8233/"
    settings.TEMPORAL_NAMESPACE = "shop"
    assert client.workflow_ui_url("SH-AB") == (
        "http://ui.example:8233/namespaces/shop/workflows/order-SH-AB"
    )


@pytest.fixture
def hung_temporal(settings):
    """A server that accepts connections and never answers (an overloaded or wedged Temporal
    behind a load balancer); settings point at it with a 0.2 s client timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    settings.TEMPORAL_ADDRESS = f"127.0.0.1:{listener.getsockname()[1]}"
    settings.TEMPORAL_CLIENT_TIMEOUT = 0.2
    settings.TEMPORAL_START_PAUSE_SECONDS = 0.5
    client.reset_client()
    yield
    stop.set()
    thread.join(timeout=2)
    for conn in accepted:
        conn.close()
    listener.close()
    client.reset_client()


def _timed_start(number: str, **kwargs) -> float:
    started = time.monotonic()
    with pytest.raises(TemporalUnavailable):
        client.start_order_workflow(number, **kwargs)
    return time.monotonic() - started


def test_a_hung_server_delays_only_the_first_checkout_start(hung_temporal):
    # Given a Temporal server that accepts connections and never answers
    # When the first checkout's start is attempted / Then it waits for the timeout (2 x 0.2 s)
    assert _timed_start("SH-HUNG0001", fail_fast=True) >= 0.35
    # When the next checkouts start within the pause / Then they give up at once
    assert _timed_start("SH-HUNG0002", fail_fast=True) < 0.1
    assert _timed_start("SH-HUNG0003", fail_fast=True) < 0.1
    # And the sweeper's starts (not fail-fast) still try
    assert _timed_start("SH-HUNG0004") >= 0.35
    # When the pause has passed / Then a checkout's start tries the server again
    time.sleep(0.55)
    assert _timed_start("SH-HUNG0005", fail_fast=True) >= 0.35


@pytest.mark.temporal
def test_the_pause_is_per_server(temporal, settings):
    # Given a failed fail-fast start against a closed port (pausing starts to that address)
    settings.TEMPORAL_START_PAUSE_SECONDS = 60
    real = settings.TEMPORAL_ADDRESS
    settings.TEMPORAL_ADDRESS = "127.0.0.1:1"
    assert _timed_start("SH-PAUSE001", fail_fast=True) < 2.0
    # When settings point at the reachable dev server / Then its fail-fast starts go through
    settings.TEMPORAL_ADDRESS = real
    number = f"SH-PA{time.time_ns() % 10**6:06d}"
    assert client.start_order_workflow(number, fail_fast=True) is True
