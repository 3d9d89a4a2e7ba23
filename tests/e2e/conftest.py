"""Browser harness: Debian's Chromium driven by Playwright's sync API, against ``live_server``.

No browser is ever downloaded: Playwright launches the system binary through
``executable_path`` (``CHROMIUM_PATH``, else ``chromium`` on PATH, else /usr/bin/chromium).
Tests are skipped, with the reason, only when no such binary exists.

Playwright's sync API keeps an asyncio loop "running" on the test's thread while it is active,
which trips Django's async-unsafe guard on ORM calls made from the test itself. The ``page``
fixture therefore starts Playwright per test and sets ``DJANGO_ALLOW_ASYNC_UNSAFE`` for that
test only (the live server and the worker's activities run on their own threads, unaffected).

On failure, a full-page screenshot and the page's HTML are saved into the test's tmp dir and
their paths printed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium() -> str | None:
    candidates = [os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), "/usr/bin/chromium"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip(
            "No Chromium binary: set CHROMIUM_PATH or `apt-get install chromium` (.ci/run does)."
        )
    return path


@pytest.fixture
def page(chromium_path, request, tmp_path, monkeypatch) -> Iterator:
    from playwright.sync_api import expect, sync_playwright

    # Generous waits: the machine running the suite may be busy (CI, parallel runs).
    expect.set_options(timeout=15_000)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            yield page
        finally:
            report = getattr(request.node, "rep_call", None)
            if report is None or report.failed:
                _save_evidence(page, tmp_path, request.node.name)
            context.close()
            browser.close()


def _save_evidence(page, tmp_path: Path, name: str) -> None:
    shot = tmp_path / f"{name}.png"
    html = tmp_path / f"{name}.html"
    try:
        page.screenshot(path=str(shot), full_page=True)
        html.write_text(page.content())
        print(f"\nbrowser evidence: {shot} {html} (url {page.url})")
    except Exception as exc:  # the page may be gone; the test's own failure matters more
        print(f"\nbrowser evidence could not be saved: {exc}")
