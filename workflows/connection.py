"""The process's Temporal connection: one ``temporalio.client.Client`` per address and
namespace, on one background event loop thread, and the mapping of "can't reach / no answer"
to ``TemporalUnavailable`` by exception type. Used by ``workflows.client`` (the shop's door to
Temporal) and the worker; nothing outside ``workflows`` imports it.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client, RPCTimeoutOrCancelledError
from temporalio.runtime import Runtime
from temporalio.service import RPCError, RPCStatusCode, TLSConfig

from workflows import tracing
from workflows.loop import BackgroundLoop
from workflows.search_attributes import ALL_KEYS


class TemporalUnavailable(Exception):
    """Temporal could not be reached (or did not answer in time)."""


class WorkflowNotFound(Exception):
    """No workflow exists for that order (never started, or retention passed)."""


_loop = BackgroundLoop("temporal-client")
_clients: dict[tuple[str, str], Client] = {}
_clients_lock = threading.Lock()
# (address, namespace) -> monotonic time until which fail-fast starts are not attempted.
starts_paused_until: dict[tuple[str, str], float] = {}


def connection_options() -> dict[str, Any]:
    """Client.connect keyword arguments from settings: Temporal Cloud (API key or mTLS) or a
    self-hosted server with TLS (``TEMPORAL_TLS_CA``, ``TEMPORAL_TLS_SERVER_NAME``) and mTLS.
    A certificate without its key (or the reverse) is refused, never plaintext instead."""
    options: dict[str, Any] = {"namespace": settings.TEMPORAL_NAMESPACE}
    cert, key = settings.TEMPORAL_TLS_CERT, settings.TEMPORAL_TLS_KEY
    ca = getattr(settings, "TEMPORAL_TLS_CA", "")
    server_name = getattr(settings, "TEMPORAL_TLS_SERVER_NAME", "")
    if bool(cert) != bool(key):
        raise ImproperlyConfigured(
            "TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (mTLS needs the certificate and "
            "its key); set both or neither."
        )
    if settings.TEMPORAL_API_KEY:
        options["api_key"] = settings.TEMPORAL_API_KEY
        options["tls"] = True
    if cert or ca or server_name:
        options["tls"] = TLSConfig(
            client_cert=Path(cert).read_bytes() if cert else None,
            client_private_key=Path(key).read_bytes() if key else None,
            server_root_ca_cert=Path(ca).read_bytes() if ca else None,
            domain=server_name or None,
        )
    return options


async def connect(timeout: float | None = None, runtime: Runtime | None = None) -> Client:
    """A new client from settings (the worker uses this; it owns its own loop). ``runtime``:
    the worker's, exporting the SDK's metrics (``workflows.telemetry``)."""
    return await Client.connect(
        settings.TEMPORAL_ADDRESS,
        connect_timeout=timedelta(seconds=timeout or settings.TEMPORAL_CLIENT_TIMEOUT),
        runtime=runtime,
        interceptors=tracing.interceptors(),  # tracing on: spans for every call and step
        **connection_options(),
    )


def client_timeout() -> float:
    return float(settings.TEMPORAL_CLIENT_TIMEOUT)


def rpc_timeout() -> timedelta:
    return timedelta(seconds=client_timeout())


def query_timeout() -> timedelta:
    """A query needs a worker to answer; with none polling it would hang until the timeout,
    so pages and the admin wait at most this long for live progress."""
    return timedelta(
        seconds=min(client_timeout(), float(getattr(settings, "TEMPORAL_QUERY_TIMEOUT", 1.5)))
    )


async def get_client() -> Client:
    key = (settings.TEMPORAL_ADDRESS, settings.TEMPORAL_NAMESPACE)
    client = _clients.get(key)
    if client is None:
        try:
            client = await connect()
        except (RuntimeError, OSError) as exc:  # what the SDK's connect raises when it can't
            raise TemporalUnavailable(f"Could not connect to Temporal: {exc}") from exc
        with _clients_lock:
            _clients.setdefault(key, client)
            client = _clients[key]
    return client


def reset_client() -> None:
    """Forget cached clients (tests that point settings at another server)."""
    with _clients_lock:
        _clients.clear()
        starts_paused_until.clear()


def run(coro: Any, timeout: float | None = None) -> Any:
    """Run ``coro`` on the client's loop; map "can't reach / no answer" to
    ``TemporalUnavailable`` and an unknown workflow to ``WorkflowNotFound``, by type."""
    try:
        return _loop.run(
            tracing.within(tracing.current_context(), coro),  # the caller's trace goes along
            timeout=timeout if timeout is not None else client_timeout() * 2,
        )
    except (TimeoutError, RPCTimeoutOrCancelledError) as exc:
        raise TemporalUnavailable("Temporal did not answer in time.") from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise WorkflowNotFound(str(exc)) from exc
        raise TemporalUnavailable(str(exc)) from exc


async def register_search_attributes(client: Client) -> list[str]:
    """Register the orders' search attributes on the namespace (the operator API of a
    self-hosted server or dev server); returns the names added now. A server that refuses
    (Temporal Cloud: create them in the Cloud UI or with tcld) raises ``RPCError``."""
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace), timeout=rpc_timeout()
    )
    known = set(existing.custom_attributes) | set(existing.system_attributes)
    missing = {
        key.name: IndexedValueType.ValueType(int(key.indexed_value_type))
        for key in ALL_KEYS
        if key.name not in known
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing),
            timeout=rpc_timeout(),
        )
    return sorted(missing)
