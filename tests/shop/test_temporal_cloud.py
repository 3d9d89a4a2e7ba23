"""Temporal Cloud: environment variables alone connect the web client and the worker (both build
their ``Client.connect`` arguments with ``workflows.client.connection_options``)."""

from __future__ import annotations

import json

from temporalio.service import TLSConfig

from tests.shop.test_production_settings import manage, production_env
from workflows.client import connection_options


def test_api_key_turns_on_tls(settings):
    # given a Temporal Cloud namespace with an API key
    settings.TEMPORAL_NAMESPACE = "shop-prod.a1b2c"
    settings.TEMPORAL_API_KEY = "cloud-api-key"

    # when the client's connection options are built
    options = connection_options()

    # then the key is sent over TLS to that namespace
    assert options == {"namespace": "shop-prod.a1b2c", "api_key": "cloud-api-key", "tls": True}


def test_client_certificate_files_become_a_tls_config(settings, tmp_path):
    # given mTLS: PEM files for the client certificate and key
    cert = tmp_path / "client.pem"
    key = tmp_path / "client.key"
    cert.write_bytes(b"-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n")
    key.write_bytes(b"-----BEGIN PRIVATE KEY-----\nMIIBkey\n-----END PRIVATE KEY-----\n")
    settings.TEMPORAL_NAMESPACE = "shop-prod.a1b2c"
    settings.TEMPORAL_TLS_CERT = str(cert)
    settings.TEMPORAL_TLS_KEY = str(key)

    # when the client's connection options are built
    options = connection_options()

    # then TLS carries the files' bytes, and no API key is sent
    assert options == {
        "namespace": "shop-prod.a1b2c",
        "tls": TLSConfig(client_cert=cert.read_bytes(), client_private_key=key.read_bytes()),
    }


def test_self_hosted_defaults_are_plaintext(settings):
    # given a self-hosted cluster: no API key, no certificates
    settings.TEMPORAL_NAMESPACE = "default"

    # when the client's connection options are built
    options = connection_options()

    # then only the namespace is set
    assert options == {"namespace": "default"}


def test_cloud_settings_come_from_the_environment_alone(tmp_path):
    # given a production process configured for Temporal Cloud through environment variables
    env = production_env(
        tmp_path,
        TEMPORAL_ADDRESS="shop-prod.a1b2c.tmprl.cloud:7233",
        TEMPORAL_NAMESPACE="shop-prod.a1b2c",
        TEMPORAL_API_KEY="cloud-api-key",
    )
    script = (
        "import json; from django.conf import settings; "
        "from workflows.client import connection_options; "
        "print(json.dumps([settings.TEMPORAL_ADDRESS, connection_options()]))"
    )

    # when the settings load and the options are built, with no code change
    result = manage(env, "shell", "-c", script)

    # then the client would connect to the cloud endpoint with the key over TLS
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "shop-prod.a1b2c.tmprl.cloud:7233",
        {"namespace": "shop-prod.a1b2c", "api_key": "cloud-api-key", "tls": True},
    ]
