"""The live panel of the order page in a real Chromium (static/js/order-status.js): it swaps in
the status fragment while the order moves, without reloading the page, and stops polling once
the order is final. Skipped when no Chromium binary exists (see tests/e2e/conftest.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from orders.events import move
from orders.links import signed_order_path
from tests.e2e.conftest import CHROMIUM_ARGS, find_chromium
from tests.factories import OrderEventFactory, OrderFactory, ShipmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(monkeypatch) -> Iterator:
    path = find_chromium()
    if path is None:
        pytest.skip("No Chromium binary: set CHROMIUM_PATH or `apt-get install chromium`.")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    monkeypatch.setattr("orders.views.tracking.POLL_INTERVAL_MS", 200)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            browser.close()


def test_panel_follows_the_order_without_reload_and_stops_when_final(live_server, browser_page):
    # given a guest order in progress, opened from the signed link in the email
    order = OrderFactory(number="B0000001", status="paid")
    OrderEventFactory(order=order, message="Order placed.")
    page = browser_page
    fragment_calls: list[str] = []
    page.on("request", lambda r: "/status/" in r.url and fragment_calls.append(r.url))
    page.goto(live_server.url + signed_order_path(order.number))
    page.evaluate("window.__sameDocument = true")
    assert page.get_by_test_id("status-badge").inner_text() == "Paid"

    # when the workflow ships it (with a tracking number), then it is delivered and completed
    assert "Not shipped yet." in page.get_by_test_id("shipment").inner_text()
    ShipmentFactory(order=order, carrier="Parcelforce", tracking_number="TRK-LIVE-1")
    move(order, "shipped", "shipped", "Handed to the carrier.")

    # then the panel shows it by itself, in the same document
    page.wait_for_selector('[data-testid="status-badge"][data-status="shipped"]')
    assert "Handed to the carrier." in page.get_by_test_id("timeline").inner_text()
    assert page.get_by_test_id("tracking-number").inner_text() == "TRK-LIVE-1"
    assert page.get_by_test_id("cancel-button").count() == 0
    move(order, "delivered", "delivered", "Parcel delivered.")
    move(order, "completed", "completed", "Order completed.")
    page.wait_for_selector('[data-testid="order-status"][data-final="true"]')
    assert page.evaluate("window.__sameDocument") is True
    assert page.get_by_test_id("status-badge").inner_text() == "Completed"

    # and polling has stopped
    calls = len(fragment_calls)
    time.sleep(0.8)  # four poll intervals
    assert len(fragment_calls) == calls


def test_cancel_button_cancels_and_shows_the_outcome(live_server, browser_page):
    # given a guest order nobody has started yet, open in the browser that placed it (a signed
    # link alone shows the order but can't cancel it)
    OrderFactory(number="B0000002")
    page = browser_page
    session = SessionStore()
    session["orders.visible"] = ["B0000002"]
    session.create()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )
    page.goto(live_server.url + "/orders/B0000002/")

    # when the guest presses cancel
    page.get_by_test_id("cancel-button").click()
    page.wait_for_selector('[data-testid="status-badge"][data-status="cancelled"]')

    # then the outcome is shown and the order is final
    assert "Order B0000002 is cancelled. Nothing was charged." in page.content()
    assert page.get_by_test_id("cancel-button").count() == 0
    assert page.locator('[data-testid="order-status"]').get_attribute("data-final") == "true"
