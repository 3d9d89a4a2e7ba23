"""Fixtures of the returns tests: Django's Temporal client pointed at the time-skipping
server (so the starts made on commit, the return's and its refund's, reach it)."""

from __future__ import annotations

from contextlib import suppress

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from temporalio.testing import WorkflowEnvironment

from orders.models import Order
from refunds.models import Refund
from returns.models import ReturnRequest
from tests.factories import UserFactory
from workflows.client import reset_client
from workflows.devserver import find_binary
from workflows.refund_types import refund_workflow_id
from workflows.return_types import return_workflow_id


@pytest.fixture(scope="module")
def time_skipping_env(background_loop):
    """A time-skipping server of this module's own: a return's 14-day wait skipped here
    would otherwise stall the time skipping of the session's later workflow tests."""
    env = background_loop.run(
        WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=find_binary("temporal-test-server")
        ),
        timeout=120,
    )
    yield env
    background_loop.run(env.shutdown(), timeout=60)


@pytest.fixture
def django_on_time_skipping(time_skipping_worker, time_skipping_env, background_loop, settings):
    """The order worker on the time-skipping server, and ``workflows.client`` talking to the
    same server. Fast activity retries (the refund's end is polled by retries)."""
    settings.TEMPORAL_ADDRESS = time_skipping_env.client.service_client.config.target_host
    settings.TEMPORAL_NAMESPACE = time_skipping_env.client.namespace
    settings.ORDER_RETRY_INITIAL_INTERVAL_SECONDS = 0.2
    settings.ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS = 1.0
    reset_client()
    yield time_skipping_worker
    reset_client()
    _terminate_leftovers(time_skipping_env.client, background_loop)


def _terminate_leftovers(client, background_loop) -> None:
    """End the workflows this test left running (a return waiting for its parcel, a 14-day
    timer): on the session's shared server they would hold up a later test's time skipping."""
    ids = [f"order-{n}" for n in Order.objects.values_list("number", flat=True)]
    ids += [
        return_workflow_id(number, seq)
        for number, seq in ReturnRequest.objects.values_list("order__number", "seq")
    ]
    ids += [
        refund_workflow_id(number) for number in Refund.objects.values_list("number", flat=True)
    ]

    async def _terminate() -> None:
        for workflow_id in ids:
            with suppress(Exception):  # finished or never started: nothing to end
                await client.get_workflow_handle(workflow_id).terminate("test over")

    background_loop.run(_terminate(), timeout=60)


@pytest.fixture
def api() -> APIClient:
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def shopper(db):
    return UserFactory(email="ada@example.com")


@pytest.fixture
def shopper_api(shopper) -> APIClient:
    """A client authenticated with the shopper's API token."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=shopper)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
