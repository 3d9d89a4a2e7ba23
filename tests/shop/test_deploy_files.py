"""The production stack's files, checked structurally (no Docker engine runs here, so these stand in
for ``docker compose up``), plus the parts that can run here for real: the container environment
loading the settings, gunicorn with the deploy config, the container health check script."""

from __future__ import annotations

import configparser
import http.client
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.shop.test_production_settings import BASE_DIR, manage, settings_env_vars
from workflows.devserver import free_port

COMPOSE_FILE = BASE_DIR / "docker-compose.yml"
ENV_EXAMPLE = BASE_DIR / ".env.example"
APP_SERVICES = ("migrate", "web", "worker")
SECRETS = (
    "SECRET_KEY",
    "POSTGRES_PASSWORD",
    "SHOP_DB_PASSWORD",
    "TEMPORAL_DB_PASSWORD",
    "CARRIER_WEBHOOK_SECRET",
)
PASSWORD_REFERENCES = {
    "POSTGRES_PASSWORD": "${POSTGRES_PASSWORD:?",
    "SHOP_DB_PASSWORD": "${SHOP_DB_PASSWORD:?",
    "TEMPORAL_DB_PASSWORD": "${TEMPORAL_DB_PASSWORD:?",
    "POSTGRES_PWD": "${TEMPORAL_DB_PASSWORD:?",
    "SQL_PASSWORD": "${TEMPORAL_DB_PASSWORD:?",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def env_file_keys(path: Path) -> dict[str, str]:
    """KEY=value lines of an env file (comments and blanks skipped)."""
    pairs = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"not KEY=value: {line!r}"
            pairs[key.strip()] = value.strip()
    return pairs


def provided_env(service: dict) -> set[str]:
    """Variables a service's container gets: its environment plus its env_file (.env, whose
    committed template is .env.example)."""
    names = set(service.get("environment") or {})
    env_files = service.get("env_file") or []
    if isinstance(env_files, str):
        env_files = [env_files]
    if ".env" in env_files:
        names |= set(env_file_keys(ENV_EXAMPLE))
    return names


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}``, ``${VAR:?error}`` (nested) and ``$$``."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("${", i):
            depth, j = 0, i
            while j < len(text):
                if text.startswith("${", j):
                    depth, j = depth + 1, j + 2
                    continue
                if text[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            name, op, arg = re.fullmatch(r"(\w+)(?:(:?[-?])(.*))?", text[i + 2 : j], re.S).groups()
            value = env.get(name)
            if op in (":-", "-"):
                missing = not value if op == ":-" else value is None
                value = interpolate(arg, env) if missing else value
            elif op in (":?", "?") and (not value if op == ":?" else value is None):
                raise ValueError(arg)
            out.append(value or "")
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


# --- docker-compose.yml ------------------------------------------------------------------------


def test_compose_has_the_stack_services(compose):
    # given the compose file
    # when its services are listed
    services = set(compose["services"])

    # then the whole stack is there
    assert services == {
        "postgresql",
        "redis",
        "temporal-schema",
        "temporal",
        "temporal-namespace",
        "temporal-ui",
        "migrate",
        "web",
        "worker",
        "email-worker",
        "prometheus",  # profile observability
        "grafana",
    }
    observability = {"prometheus", "grafana"}
    assert {
        name for name, spec in compose["services"].items() if spec.get("profiles")
    } == observability


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_settings_env_var_reaches_the_app_containers(compose, service):
    # given every variable shop/settings.py reads
    needed = settings_env_vars()

    # when the variables the service's container receives are collected
    provided = provided_env(compose["services"][service])

    # then none is missing
    assert sorted(needed - provided) == []


def test_secrets_come_from_the_env_file_only(compose):
    # given the app services and the committed .env.example
    example = env_file_keys(ENV_EXAMPLE)

    # when looking for secrets
    # then each is a key of .env.example with no value filled in, and compose never holds a
    # value, only references to .env
    for name in SECRETS:
        assert example[name] == ""
    for spec in compose["services"].values():
        for name, value in (spec.get("environment") or {}).items():
            if name in PASSWORD_REFERENCES:
                assert str(value).startswith(PASSWORD_REFERENCES[name]), name
    for service in APP_SERVICES:
        spec = compose["services"][service]
        assert spec["env_file"] == ".env"
        assert "SECRET_KEY" not in spec["environment"]
        assert "CARRIER_WEBHOOK_SECRET" not in spec["environment"]


def test_worker_runs_runworker_and_drains_before_it_is_killed(compose):
    # given the worker service
    worker = compose["services"]["worker"]
    command = worker["command"]

    # when its command and stop grace period are read
    drain = float(command[command.index("--graceful-shutdown-timeout") + 1])
    grace = float(worker["stop_grace_period"].removesuffix("s"))

    # then it is manage.py runworker, and Docker waits longer than the drain before SIGKILL
    assert command[:3] == ["python", "manage.py", "runworker"]
    assert (drain, grace) == (60.0, 90.0)
    assert grace > drain


def test_start_order_is_enforced_by_depends_on_conditions(compose):
    # given the services
    services = compose["services"]

    # when their dependencies are read
    def conditions(name: str) -> dict[str, str]:
        return {dep: spec["condition"] for dep, spec in services[name]["depends_on"].items()}

    # then each waits for what it needs to be healthy or done
    assert conditions("temporal-schema") == {"postgresql": "service_healthy"}
    assert conditions("temporal") == {"temporal-schema": "service_completed_successfully"}
    assert conditions("temporal-namespace") == {"temporal": "service_healthy"}
    assert conditions("temporal-ui") == {"temporal": "service_healthy"}
    assert conditions("migrate") == {"postgresql": "service_healthy"}
    for app in ("web", "worker"):
        assert conditions(app) == {
            "migrate": "service_completed_successfully",
            "redis": "service_healthy",
            "temporal-namespace": "service_completed_successfully",
        }
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"


def test_services_that_others_wait_for_have_healthchecks(compose):
    # given the services
    services = compose["services"]

    # when their health checks are read
    # then the ones with a service_healthy dependant have a real test
    assert "pg_isready" in services["postgresql"]["healthcheck"]["test"][1]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert services["temporal"]["healthcheck"]["test"] == ["CMD", "nc", "-z", "localhost", "7233"]
    assert "namespace create" in (BASE_DIR / "deploy/temporal/create-namespace.sh").read_text()
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "deploy/healthcheck.py"]
    # and the image's web health check is switched off where no web server runs
    assert services["worker"]["healthcheck"] == {"disable": True}
    assert services["migrate"]["healthcheck"] == {"disable": True}


def test_data_lives_in_named_volumes(compose):
    # given the volumes declared and mounted
    declared = set(compose["volumes"])
    postgres_mounts = compose["services"]["postgresql"]["volumes"]

    # then PostgreSQL's data directory and the media files survive `down`/`up`
    assert declared == {"postgresql-data", "media", "prometheus-data", "grafana-data"}
    assert postgres_mounts[0] == "postgresql-data:/var/lib/postgresql/data"
    assert compose["services"]["web"]["volumes"] == ["media:/data/media"]


def compose_web_env(compose: dict, tmp_path: Path) -> dict[str, str]:
    """The web container's environment: a .env made from .env.example with its secrets filled
    in, interpolated like compose, container paths relocated for this machine."""
    dotenv = env_file_keys(ENV_EXAMPLE) | {
        "SECRET_KEY": "s" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz",
        "POSTGRES_PASSWORD": "superuser-password",
        "SHOP_DB_PASSWORD": "pg-password",
        "TEMPORAL_DB_PASSWORD": "temporal-password",
        "CARRIER_WEBHOOK_SECRET": "carrier-secret",
    }
    web = compose["services"]["web"]
    container_env = dotenv | {k: interpolate(str(v), dotenv) for k, v in web["environment"].items()}
    return container_env | {
        "SHOP_DATA_DIR": str(tmp_path / "data"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "PATH": "/usr/bin:/bin",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def test_compose_environment_loads_the_settings(compose, tmp_path):
    # given the web container's environment from .env.example and docker-compose.yml
    container_env = compose_web_env(compose, tmp_path)
    script = (
        "import json; from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(json.dumps([s.DEBUG, d['ENGINE'], d['HOST'], d['NAME'], d['USER'], d['PASSWORD'],"
        "d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], s.TEMPORAL_ADDRESS, s.TEMPORAL_NAMESPACE,"
        "s.TEMPORAL_TASK_QUEUE, s.ALLOWED_HOSTS, s.LOG_FORMAT, s.SECURE_SSL_REDIRECT,"
        "s.CACHES['default'], s.API_DOCS]))"
    )

    # when Django starts in that environment
    result = manage(container_env, "shell", "-c", script)

    # then it talks to the compose PostgreSQL and Temporal, in production mode
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        False,
        "django.db.backends.postgresql",
        "postgresql",
        "shop",
        "shop",
        "pg-password",
        60,
        True,
        "temporal:7233",
        "default",
        "orders",
        ["localhost", "127.0.0.1"],
        "json",
        True,
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://redis:6379/1",
        },
        False,
    ]


def test_compose_interpolation_refuses_a_missing_password(compose):
    # given a .env without POSTGRES_PASSWORD
    postgres_env = compose["services"]["postgresql"]["environment"]

    # when compose interpolates the PostgreSQL service
    # then it stops with a message saying what to set
    with pytest.raises(ValueError, match="Set POSTGRES_PASSWORD in .env"):
        interpolate(postgres_env["POSTGRES_PASSWORD"], {})


# --- Dockerfile, .dockerignore ------------------------------------------------------------------


def test_dockerfile_builds_a_non_root_gunicorn_image_with_static_files():
    # given the Dockerfile
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    joined = re.sub(r"\\\n\s*", " ", dockerfile)  # continuation lines
    instructions = [line.split(None, 1) for line in joined.splitlines() if line[:1].isupper()]
    final = [i for i in instructions if i][-4:]

    # when its instructions are read
    # then: slim Python, runtime deps of pyproject.toml, static files collected, non-root,
    # a health check on /healthz and gunicorn as the command
    assert re.search(r"^FROM python:\$\{PYTHON_VERSION\}-slim AS base$", dockerfile, re.M)
    assert "ARG PYTHON_VERSION=3.12" in dockerfile
    assert "COPY requirements/runtime.lock ./" in joined and "dev.lock" not in dockerfile
    assert "pip install --require-hashes --no-deps --requirement runtime.lock" in joined
    assert "python manage.py collectstatic --noinput" in dockerfile
    assert [i[0] for i in final] == ["USER", "EXPOSE", "HEALTHCHECK", "CMD"]
    assert final[0][1] == "shop:shop"
    assert '"deploy/healthcheck.py"' in final[2][1]
    assert "/healthz" in (BASE_DIR / "deploy" / "healthcheck.py").read_text()
    assert json.loads(final[3][1]) == [
        "gunicorn",
        "--config",
        "deploy/gunicorn.conf.py",
        "shop.wsgi:application",
    ]


def test_dockerignore_keeps_secrets_and_local_state_out():
    # given the .dockerignore
    ignored = {
        line.strip()
        for line in (BASE_DIR / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }

    # then the local env file, git history, virtualenv and data never reach the image
    assert {".env", ".env.*", ".git", ".venv", ".data"} <= ignored
    assert "!.env.example" in ignored


# --- gunicorn, health check script ----------------------------------------------------------


@pytest.mark.slow
def test_gunicorn_serves_healthz_with_the_deploy_config(tmp_path):
    # given gunicorn started like the image's CMD, in production mode, Temporal down
    port = free_port()
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "DEBUG": "false",
        "SECRET_KEY": "k" * 60,
        "ALLOWED_HOSTS": "shop.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SHOP_DATA_DIR": str(tmp_path / "data"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "CARRIER_WEBHOOK_SECRET": "carrier-secret",
        "TEMPORAL_ADDRESS": "127.0.0.1:1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--config", "deploy/gunicorn.conf.py"]
            + ["shop.wsgi:application"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        # when the container health check script polls it
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            check = subprocess.run(
                [sys.executable, "deploy/healthcheck.py"],
                cwd=BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
            )
            if "unreachable" not in check.stderr:
                break
            time.sleep(0.2)
        # and a request whose query string carries a secret (an order link's token)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/orders/X/?t=secret-token", headers={"Host": "shop.example.com"})
        connection.getresponse().read()
        connection.close()
    finally:
        server.terminate()
        server.wait(timeout=30)

    # then /healthz answered 503 (Temporal down) through gunicorn, and the check failed on it
    assert check.returncode == 1
    assert check.stderr.startswith("/healthz answered 503:")
    assert '"temporal": "down"' in check.stderr
    # and the access log is a JSON line per request with its fields, never the query string
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert len(access) == 2
    assert (access[0]["method"], access[0]["path"], access[0]["status"]) == ("GET", "/healthz", 503)
    assert (access[1]["method"], access[1]["path"]) == ("GET", "/orders/X/")
    assert "secret-token" not in log.read_text()


# --- systemd ---------------------------------------------------------------------------------


def test_systemd_worker_unit_waits_longer_than_the_drain():
    # given the example unit for ops hosts
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(BASE_DIR / "deploy" / "systemd" / "shop-worker@.service")
    service = unit["Service"]

    # when its start command and stop timeout are read
    argv = service["ExecStart"].split()
    drain = float(argv[argv.index("--graceful-shutdown-timeout") + 1])

    # then it runs runworker, restarts always, reads its environment file, and waits for the drain
    assert argv[1:3] == ["manage.py", "runworker"]
    assert service["Restart"] == "always"
    assert service["EnvironmentFile"] == "/etc/shop/shop.env"
    assert service["KillSignal"] == "SIGTERM"
    assert (drain, float(service["TimeoutStopSec"])) == (60.0, 90.0)


def test_compose_postgresql_has_room_for_the_documented_connection_budget(compose):
    # given the compose PostgreSQL and the budget example in docs/OPERATIONS.md
    command = compose["services"]["postgresql"]["command"]
    docs = (BASE_DIR / "docs" / "OPERATIONS.md").read_text()

    # when its max_connections is read
    # then it matches the number the docs budget against
    assert command == ["postgres", "-c", "max_connections=200"]
    assert "Temporal 40: 92 of 200" in docs


def test_observability_files_wire_the_scrapes_alerts_and_dashboard(compose):
    # Given the Prometheus config, its alert rules and the Grafana dashboard
    prometheus = yaml.safe_load((BASE_DIR / "deploy/prometheus/prometheus.yml").read_text())
    rules = yaml.safe_load((BASE_DIR / "deploy/prometheus/alerts.yml").read_text())
    dashboard = json.loads((BASE_DIR / "deploy/grafana/dashboards/shop.json").read_text())

    # Then the worker's metrics port and the web's token-guarded page are scraped
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    targets = jobs["shop-worker"]["static_configs"][0]["targets"]
    assert targets == ["worker:9464", "email-worker:9464"]
    assert jobs["shop-web"]["authorization"]["credentials_file"] == "/etc/prometheus/metrics-token"
    assert "METRICS_BIND: ${METRICS_BIND:-0.0.0.0:9464}" in COMPOSE_FILE.read_text()
    # And the alerts cover stuck orders, failures, retries and an absent worker
    names = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    expected = {"WorkerAbsent", "OrdersStuck", "OrderFailureRateHigh", "OrderStepsRetrying"}
    assert expected | {"ScheduledJobMissed"} <= names
    # And the dashboard plots the shop's own metrics and the SDK's
    exprs = " ".join(t["expr"] for panel in dashboard["panels"] for t in panel["targets"])
    assert "shop_orders_total" in exprs and "temporal_activity_execution_latency" in exprs
    # And neither Prometheus nor Grafana is published beyond this host
    for name in ("prometheus", "grafana"):
        assert all(p.startswith("127.0.0.1:") for p in compose["services"][name]["ports"])
