"""workflows.client against a real Temporal dev server (and against a closed port)."""

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
