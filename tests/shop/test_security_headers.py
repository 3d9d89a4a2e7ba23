"""Response headers: a strict Content-Security-Policy (django-csp; the pages run only the shop's
own files), a Permissions-Policy, and API docs that production can turn off (API_DOCS)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import CHROMIUM_ARGS, find_chromium
from tests.factories import OrderEventFactory, OrderFactory, ProductFactory, set_stock

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


def directives(policy: str) -> set[str]:
    return {part.strip() for part in policy.split(";")}


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)


@pytest.fixture
def guest_pages(db, client) -> list[str]:
    """Every kind of shopper page, for a guest who placed an order."""
    product = set_stock(ProductFactory(slug="teapot"), 5)
    order = OrderFactory(number="H0000001")
    OrderEventFactory(order=order)
    session = client.session
    session["orders.visible"] = [order.number]
    session.save()
    client.post("/cart/add/", {"product_id": product.pk, "quantity": 1})
    return [
        "/",
        "/products/",
        "/products/teapot/",
        "/cart/",
        "/checkout/",
        "/orders/H0000001/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ]


def test_pages_send_a_strict_csp_and_permissions_policy(client, guest_pages):
    # given the shop's pages
    for path in guest_pages:
        # when each is opened
        response = client.get(path)

        # then it forbids anything but the shop's own files, and the features it doesn't use
        assert response.status_code == 200, path
        assert directives(response["Content-Security-Policy"]) == directives(CSP), path
        assert response["Permissions-Policy"] == PERMISSIONS, path
        # and has nothing inline that the policy would block
        assert INLINE.findall(response.content.decode()) == [], path


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_api_docs_can_be_turned_off(client, settings, path):
    # given API docs on (the default), then off (production)
    on = client.get(path)
    settings.API_DOCS = False

    # when the schema and the docs are asked for
    off = client.get(path)

    # then they are served only while on, and the docs page has no inline script
    assert (on.status_code, off.status_code) == (200, 404)
    assert INLINE.findall(on.content.decode()) == []


@pytest.fixture
def browser_page(monkeypatch) -> Iterator:
    path = find_chromium()
    if path is None:
        pytest.skip("No Chromium binary: set CHROMIUM_PATH or `apt-get install chromium`.")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chromium_reports_no_csp_violation(live_server, browser_page):
    # given a product, and a browser listening for the console's CSP reports
    set_stock(ProductFactory(slug="kettle", name="Kettle"), 5)
    page = browser_page
    violations: list[str] = []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and violations.append(m.text),
    )

    # when it walks through the catalog, the cart, the API docs (Swagger UI) and the admin login
    page.goto(live_server.url + "/products/kettle/")
    page.get_by_role("button", name=re.compile("Add to cart", re.I)).first.click()
    page.goto(live_server.url + "/cart/")
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".swagger-ui .info")
    page.goto(live_server.url + "/admin/login/")

    # then nothing was blocked, and Swagger UI rendered from the shop's own files
    assert violations == []
