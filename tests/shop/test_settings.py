"""Settings come from the environment (django-environ): each case imports ``shop.settings`` in a
fresh interpreter with exactly the given variables, so the real parsing code runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SHOW = """
import json, shop.settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST", ""),
    "port": str(db.get("PORT", "")), "user": db.get("USER", ""),
    "conn_max_age": db.get("CONN_MAX_AGE"), "debug": s.DEBUG, "secret_key": s.SECRET_KEY,
    "allowed_hosts": s.ALLOWED_HOSTS, "email_backend": s.EMAIL_BACKEND,
    "email_host": getattr(s, "EMAIL_HOST", ""), "email_port": getattr(s, "EMAIL_PORT", None),
    "email_user": getattr(s, "EMAIL_HOST_USER", ""),
    "email_tls": getattr(s, "EMAIL_USE_TLS", False),
    "temporal": [s.TEMPORAL_ADDRESS, s.TEMPORAL_NAMESPACE, s.TEMPORAL_TASK_QUEUE],
}))
"""
# Variables the settings read; removed so the outer environment (e.g. CI's DATABASE_URL) can't
# leak into a case.
PROD_KEY = "p" * 64  # long enough for production settings
READ_BY_SETTINGS = (
    "DATABASE_URL",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "EMAIL_URL",
    "TEMPORAL_ADDRESS",
    "TEMPORAL_NAMESPACE",
    "TEMPORAL_TASK_QUEUE",
    "CONN_MAX_AGE",
)


def load_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in READ_BY_SETTINGS}
    clean.update(SHOP_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_with(tmp_path: Path, **env: str) -> dict:
    result = load_settings(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(autouse=True)
def _no_env_file():
    # A developer's .env would change the defaults under test.
    if (BASE_DIR / ".env").exists():
        pytest.skip(".env present: defaults can't be tested")


def test_defaults_sqlite_debug_console_email(tmp_path):
    # Given no configuration at all / When the settings load
    s = settings_with(tmp_path)
    # Then SQLite under the data dir, DEBUG on, console email, local Temporal
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"] == str(tmp_path / "db.sqlite3")
    assert s["debug"] is True
    assert s["secret_key"] == "dev-only-insecure-secret-key-change-me-in-production"
    assert s["email_backend"] == "django.core.mail.backends.console.EmailBackend"
    assert s["temporal"] == ["localhost:7233", "default", "orders"]


def test_production_like_environment(tmp_path):
    # Given PostgreSQL, SMTP and production settings in the environment
    s = settings_with(
        tmp_path,
        DATABASE_URL="postgres://shop:s3cret@db.internal:6543/shopdb",
        DEBUG="false",
        SECRET_KEY=PROD_KEY,
        ALLOWED_HOSTS="shop.example.com,www.shop.example.com",
        EMAIL_URL="smtp+tls://mailer:pw@smtp.example.com:587",
        TEMPORAL_ADDRESS="temporal.internal:7233",
        TEMPORAL_NAMESPACE="shop-prod",
        TEMPORAL_TASK_QUEUE="orders-eu",
        CONN_MAX_AGE="120",
    )
    # Then every value is taken from it, with no code change
    assert s["engine"] == "django.db.backends.postgresql"
    assert (s["name"], s["host"], s["port"], s["user"]) == ("shopdb", "db.internal", "6543", "shop")
    assert s["conn_max_age"] == 120
    assert s["debug"] is False
    assert s["secret_key"] == PROD_KEY
    assert s["allowed_hosts"] == ["shop.example.com", "www.shop.example.com"]
    assert s["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (s["email_host"], s["email_port"], s["email_user"], s["email_tls"]) == (
        "smtp.example.com",
        587,
        "mailer",
        True,
    )
    assert s["temporal"] == ["temporal.internal:7233", "shop-prod", "orders-eu"]


@pytest.mark.parametrize(
    ("value", "expected"), [("0", False), ("off", False), ("1", True), ("yes", True)]
)
def test_debug_flag_parsing(tmp_path, value, expected):
    # Given DEBUG set in the environment (and a secret key) / When loaded / Then parsed as a bool
    assert settings_with(tmp_path, DEBUG=value, SECRET_KEY=PROD_KEY)["debug"] is expected


def test_production_without_secret_key_fails_loudly(tmp_path):
    # Given DEBUG off and no SECRET_KEY / When the settings load
    result = load_settings(tmp_path, DEBUG="false")
    # Then they refuse to start, naming the missing variable
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
