"""The production stack's security, checked structurally (no Docker engine runs here): Temporal
reachable from the stack only, its UI on loopback, one database user per tenant, mTLS override,
the dev server's Temporal versions, and a clean ``check --deploy`` with the compose values."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.shop.test_deploy_files import COMPOSE_FILE, compose_web_env
from tests.shop.test_production_settings import BASE_DIR, manage
from workflows.devserver import find_binary


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def test_temporal_persists_in_postgresql_with_a_one_shot_schema_job(compose):
    # given the temporal server and its schema job
    temporal = compose["services"]["temporal"]
    schema = compose["services"]["temporal-schema"]
    env = temporal["environment"]

    # when their images and environment are read
    # then the official server image (not the deprecated auto-setup) runs on the compose
    # PostgreSQL with a dynamic config, after admin-tools set the schema up
    assert temporal["image"].startswith("temporalio/server:")
    assert schema["image"].startswith("temporalio/admin-tools:")
    assert schema["command"] == ["/scripts/setup-schema.sh"]
    assert schema["restart"] == "on-failure:6"
    script = schema["volumes"][0].split(":")
    setup = (BASE_DIR / script[0]).read_text()
    assert script[1] == "/scripts/setup-schema.sh"
    assert "temporal-sql-tool" in setup and "update-schema" in setup
    assert (env["DB"], env["DB_PORT"], env["POSTGRES_SEEDS"]) == ("postgres12", 5432, "postgresql")
    config = env["DYNAMIC_CONFIG_FILE_PATH"]
    mount = temporal["volumes"][0].split(":")
    assert (BASE_DIR / mount[0] / Path(config).name).is_file()
    assert mount[1] == "/etc/temporal/config/dynamicconfig"
    ui = compose["services"]["temporal-ui"]
    assert ui["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_temporal_runs_the_dev_servers_versions(compose):
    # given the server and UI versions of the dev server the tests and `make run` use
    version = subprocess.run(
        [find_binary("temporal"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    server, ui = re.search(r"Server ([\d.]+), UI ([\d.]+)", version).groups()
    services = compose["services"]

    # when the compose images are read
    # then they are the same versions
    assert services["temporal"]["image"] == f"temporalio/server:${{TEMPORAL_VERSION:-{server}}}"
    for job in ("temporal-schema", "temporal-namespace"):
        assert services[job]["image"] == f"temporalio/admin-tools:${{TEMPORAL_VERSION:-{server}}}"
    assert services["temporal-ui"]["image"] == f"temporalio/ui:${{TEMPORAL_UI_VERSION:-{ui}}}"


def test_temporal_is_reachable_from_the_stack_only(compose):
    # given the services and networks
    services = compose["services"]
    networks = compose["networks"]

    # when their published ports and networks are read
    published = {name: spec.get("ports", []) for name, spec in services.items()}

    # then the shop publishes its port for the proxy (loopback by default); everything else that
    # publishes one (the Temporal UI, dashboards) does so on this host's loopback only, and
    # PostgreSQL, Redis and Temporal publish none
    assert published["web"][-1] == "${WEB_BIND:-127.0.0.1}:${WEB_PORT:-8000}:8000"
    assert published["temporal-ui"] == ["127.0.0.1:${TEMPORAL_UI_PORT:-8080}:8080"]
    for name, ports in published.items():
        if name != "web":
            assert all(str(port).startswith("127.0.0.1:") for port in ports), name
    for name in ("postgresql", "redis", "temporal-schema", "temporal", "temporal-namespace"):
        assert published[name] == [], name
    # and Temporal, its jobs, PostgreSQL and Redis are on the internal network alone
    assert networks["backend"] == {"internal": True}
    for name in ("postgresql", "redis", "temporal-schema", "temporal", "temporal-namespace"):
        assert services[name]["networks"] == ["backend"], name
    assert services["migrate"]["networks"] == ["backend"]
    for name in ("web", "worker", "temporal-ui"):
        assert services[name]["networks"] == ["edge", "backend"], name


def test_the_app_and_temporal_have_their_own_database_users(compose):
    # given the PostgreSQL init script and the services' credentials
    init = compose["services"]["postgresql"]["volumes"][1].split(":")
    script = (BASE_DIR / init[0]).read_text()
    app_url = compose["x-app-environment"]["DATABASE_URL"]
    temporal_env = compose["services"]["temporal"]["environment"]

    # when they are read
    # then the init script makes one owner per tenant, the shop's owning only its database
    assert init[1].startswith("/docker-entrypoint-initdb.d/")
    assert 'CREATE DATABASE :"shop_db" OWNER :"shop_user";' in script
    assert 'CREATE DATABASE temporal OWNER :"temporal_user";' in script
    assert 'CREATE DATABASE temporal_visibility OWNER :"temporal_user";' in script
    assert script.count("REVOKE ALL ON DATABASE") == 3
    # and the app connects as the shop user, Temporal as its own (never the superuser)
    assert app_url.startswith(
        "${DATABASE_URL:-postgres://${SHOP_DB_USER:-shop}:${SHOP_DB_PASSWORD}"
    )
    assert temporal_env["POSTGRES_USER"] == "${TEMPORAL_DB_USER:-temporal}"
    assert compose["services"]["temporal-schema"]["environment"]["POSTGRES_USER"] == (
        "${TEMPORAL_DB_USER:-temporal}"
    )


def test_the_mtls_override_gives_both_sides_certificates():
    # given the mTLS override of the compose file
    override = yaml.safe_load((BASE_DIR / "docker-compose.mtls.yml").read_text())
    services = override["services"]

    # when the server's and the clients' TLS settings are read
    server = services["temporal"]["environment"]

    # then the server demands client certificates signed by the CA, and the shop presents one
    assert server["TEMPORAL_TLS_REQUIRE_CLIENT_AUTH"] == "true"
    assert server["TEMPORAL_TLS_CLIENT1_CA_CERT"] == "/certs/ca.pem"
    for app in ("web", "worker", "temporal-namespace"):
        env = services[app]["environment"]
        assert (env["TEMPORAL_TLS_CERT"], env["TEMPORAL_TLS_KEY"], env["TEMPORAL_TLS_CA"]) == (
            "/certs/client.pem",
            "/certs/client.key",
            "/certs/ca.pem",
        )
        assert services[app]["volumes"] == ["./deploy/temporal/certs:/certs:ro"]
    assert "deploy/temporal/certs/" in (BASE_DIR / ".gitignore").read_text().splitlines()


def test_check_deploy_is_clean_with_the_compose_values(compose, tmp_path):
    # given the web container's environment from .env.example and docker-compose.yml
    container_env = compose_web_env(compose, tmp_path)

    # when Django's deployment checklist runs, failing on any warning
    result = manage(container_env, "check", "--deploy", "--fail-level", "WARNING")

    # then it reports nothing
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
