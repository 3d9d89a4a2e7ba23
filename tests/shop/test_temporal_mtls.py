"""mTLS between the shop and a self-hosted Temporal, for real: the dev server behind a TLS
front that demands a client certificate signed by our CA (what the Temporal frontend does with
``TEMPORAL_TLS_REQUIRE_CLIENT_AUTH=true``), certificates made with openssl."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.shop.test_production_settings import manage, production_env
from workflows.client import connection_options, reset_client, temporal_reachable

pytestmark = [
    pytest.mark.temporal,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command"),
]


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _certificates(directory: Path) -> dict[str, Path]:
    """A CA, a server certificate for "localhost" and a client certificate, both CA-signed."""
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=shop-test-ca",
        "-keyout", "ca.key", "-out", "ca.pem", cwd=directory,
    )  # fmt: skip
    for name, extension in (
        ("server", "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth"),
        ("client", "extendedKeyUsage=clientAuth"),
    ):
        (directory / f"{name}.ext").write_text(extension + "\n")
        _openssl(
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=directory,
        )  # fmt: skip
        _openssl(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem",
            cwd=directory,
        )  # fmt: skip
    return {name: directory / name for name in ("ca.pem", "client.pem", "client.key")}


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


@pytest.fixture
def mtls_temporal(temporal_dev_server, background_loop, tmp_path):
    """``localhost:<port>``: TLS in front of the dev server, client certificates required."""
    files = _certificates(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    context.load_verify_locations(tmp_path / "ca.pem")
    context.verify_mode = ssl.CERT_REQUIRED
    context.set_alpn_protocols(["h2"])  # gRPC
    host, port = temporal_dev_server.address.rsplit(":", 1)
    connections: set[asyncio.Task] = set()

    async def handle(reader, writer) -> None:
        connections.add(asyncio.current_task())
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        await asyncio.gather(
            _pipe(reader, up_writer), _pipe(up_reader, writer), return_exceptions=True
        )

    async def start():
        return await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)

    server = background_loop.run(start(), timeout=10)
    front_port = server.sockets[0].getsockname()[1]
    yield f"localhost:{front_port}", files
    reset_client()

    async def stop() -> None:
        server.close()
        for task in connections:
            task.cancel()
        await asyncio.gather(*connections, return_exceptions=True)

    background_loop.run(stop(), timeout=10)


def test_the_shop_reaches_temporal_over_mtls(mtls_temporal, settings):
    # given a Temporal that demands a client certificate, and the shop's certificate, key and CA
    address, files = mtls_temporal
    settings.TEMPORAL_ADDRESS = address
    settings.TEMPORAL_TLS_CERT = str(files["client.pem"])
    settings.TEMPORAL_TLS_KEY = str(files["client.key"])
    settings.TEMPORAL_TLS_CA = str(files["ca.pem"])
    reset_client()

    # when the shop checks that Temporal answers
    reachable = temporal_reachable()

    # then it does, over mTLS
    assert reachable is True


def test_without_a_client_certificate_temporal_refuses_the_shop(mtls_temporal, settings):
    # given the same Temporal, and a shop that trusts its CA but has no client certificate
    address, files = mtls_temporal
    settings.TEMPORAL_ADDRESS = address
    settings.TEMPORAL_TLS_CA = str(files["ca.pem"])
    settings.TEMPORAL_CLIENT_TIMEOUT = 1.0
    reset_client()

    # when the shop checks that Temporal answers
    reachable = temporal_reachable()

    # then the handshake is refused
    assert reachable is False


def test_a_certificate_without_its_key_is_refused(settings, tmp_path):
    # given a client certificate but no key
    settings.TEMPORAL_TLS_CERT = str(tmp_path / "client.pem")
    settings.TEMPORAL_TLS_KEY = ""

    # when the connection options are built, then it refuses instead of going plaintext
    with pytest.raises(ImproperlyConfigured, match="TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go"):
        connection_options()


def test_a_process_with_a_certificate_but_no_key_refuses_to_start(tmp_path):
    # given production settings with a certificate path and no key
    env = production_env(tmp_path, TEMPORAL_TLS_CERT="/etc/shop/client.pem")

    # when any command starts
    result = manage(env, "check")

    # then it stops, saying both are needed
    assert result.returncode != 0
    assert "TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together" in result.stderr
