"""Production settings, exercised the way production loads them: a fresh ``manage.py`` process
whose only configuration is environment variables."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS_FILE = BASE_DIR / "shop" / "settings.py"
_ENV_READ = re.compile(r"""(?:\benv|Env\(\))\.\w+\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def settings_env_vars() -> set[str]:
    """Every environment variable shop/settings.py reads."""
    return set(_ENV_READ.findall(SETTINGS_FILE.read_text()))


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The process environment minus anything the settings read, plus production values."""
    env = {k: v for k, v in os.environ.items() if k not in settings_env_vars()}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="shop.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        SHOP_DATA_DIR=str(tmp_path / "data"),
        STATIC_ROOT=str(tmp_path / "static"),
        CARRIER_WEBHOOK_SECRET=secrets.token_urlsafe(32),
        # Production shares lockouts and rate limits through Redis (nothing connects here).
        CACHE_URL=os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/1"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_env_var_scan_finds_the_known_variables():
    # given the settings module
    # when the variables it reads are collected
    found = settings_env_vars()

    # then the scan sees the fixed interface (so the compose test below checks something real)
    assert {
        "DATABASE_URL",
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "EMAIL_URL",
        "TEMPORAL_ADDRESS",
        "TEMPORAL_NAMESPACE",
        "TEMPORAL_TASK_QUEUE",
        "TEMPORAL_API_KEY",
        "TEMPORAL_TLS_CERT",
        "TEMPORAL_TLS_KEY",
        "TEMPORAL_UI_URL",
        "PAYMENT_GATEWAY",
        "CARRIER_WEBHOOK_SECRET",
        "SHOP_DATA_DIR",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "LOG_FORMAT",
    } <= found


def test_check_deploy_is_clean_with_production_env(tmp_path):
    # given nothing but production environment variables
    env = production_env(tmp_path)

    # when Django's deployment checklist runs, failing on any warning
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    # then it reports nothing
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_refuses_a_short_secret_key(tmp_path):
    # given production settings with a guessable SECRET_KEY
    env = production_env(tmp_path, SECRET_KEY="too-short")

    # when any command starts
    result = manage(env, "check")

    # then it refuses to run, saying why
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 characters when DEBUG is off" in result.stderr


def test_production_settings_values(tmp_path):
    # given production env behind a TLS-terminating proxy
    env = production_env(tmp_path, SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https")
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'ssl_redirect': s.SECURE_SSL_REDIRECT, 'proxy': list(s.SECURE_PROXY_SSL_HEADER),"
        "'exempt': s.SECURE_REDIRECT_EXEMPT, 'hsts': s.SECURE_HSTS_SECONDS,"
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'storage': s.STORAGES['staticfiles']['BACKEND'], 'log_format': s.LOG_FORMAT}))"
    )

    # when the settings load
    result = manage(env, "shell", "-c", script)

    # then every production safeguard is on
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "ssl_redirect": True,
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
        "exempt": [r"^healthz/?$"],
        "hsts": 31_536_000,
        "session_secure": True,
        "csrf_secure": True,
        "storage": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "log_format": "json",
    }


def test_production_logs_json_lines_to_stdout(tmp_path):
    # given production env (LOG_FORMAT defaults to json when DEBUG is off)
    env = production_env(tmp_path)
    script = (
        "import logging; logging.getLogger('shop.ops').warning("
        "'order %s stuck', 'A-1', extra={'order_number': 'A-1'})"
    )

    # when the app logs a warning
    result = manage(env, "shell", "-c", script)

    # then stdout carries one JSON object with the message and the extra field
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(record) == {"ts", "level", "logger", "message", "order_number"}
    assert (record["level"], record["logger"], record["message"], record["order_number"]) == (
        "WARNING",
        "shop.ops",
        "order A-1 stuck",
        "A-1",
    )


@pytest.mark.parametrize("value", ["HTTP_X_FORWARDED_PROTO", "a,b,c"])
def test_malformed_proxy_header_is_refused(tmp_path, value):
    # given a SECURE_PROXY_SSL_HEADER that is not "HEADER,value"
    env = production_env(tmp_path, SECURE_PROXY_SSL_HEADER=value)

    # when the settings load
    result = manage(env, "check")

    # then startup fails with the expected format
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must be 'HEADER,value'" in result.stderr
