"""The storefront at a desktop (1280 px) and a phone (360 px) width: home, listing, search,
detail, cart, checkout, confirmation, order page and account pages, each without horizontal
overflow, without a console error and without a serious or critical axe-core violation.

axe-core comes from the npm registry: ``.ci/run`` installs it into ``.data/node`` (by hand:
``npm install --prefix .data/node axe-core@4 --no-audit --no-fund``). Without that file the
accessibility checks are skipped (``test_axe_core_is_installed`` says so); the rest still runs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.factories import AddressFactory, CategoryFactory, ProductFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
AXE = Path(__file__).resolve().parents[2] / ".data/node/node_modules/axe-core/axe.min.js"
# The serious and critical violations of the page: "rule: first three elements".
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}"""


def test_axe_core_is_installed():
    # Given the checkout / When the walk-through looks for axe-core / Then it is there
    if not AXE.is_file():
        pytest.skip(f"axe-core not installed at {AXE} (run .ci/run, or npm install: see README)")
    assert AXE.read_text().startswith("/*! axe v4.")


@pytest.fixture
def catalog():
    coffee = CategoryFactory(name="Coffee", slug="coffee")
    ProductFactory(
        name="Extraordinarily Long-Named Ceramic Pour-over Coffee Dripper Deluxe",
        slug="dripper",
        category=coffee,
        price=Decimal("1234.50"),
        description="Ceramic dripper for two cups of coffee.",
    )
    ProductFactory(name="Coffee Grinder", slug="grinder", category=coffee, price=Decimal("89.00"))
    user = UserFactory(email="walker@example.com", password=PASSWORD)
    AddressFactory(user=user)
    return user


def _check(page: Page, errors: list[str], where: str) -> None:
    overflow = page.evaluate(OVERFLOW)
    assert overflow <= 0, f"{where}: {overflow}px of horizontal overflow"
    assert errors == [], f"{where}: console errors {errors}"
    if AXE.is_file():
        # Evaluated rather than added as a <script> tag: the shop's CSP forbids inline scripts.
        page.evaluate(AXE.read_text())
        violations = page.evaluate(AXE_RUN)
        assert violations == [], f"{where}: axe-core violations {violations}"


@pytest.mark.parametrize("width", [1280, 360])
def test_walk_through_the_shop_without_overflow_or_console_errors(
    page: Page, live_server, catalog, width
):
    # Given the shop in a browser window of the given width, listening for console errors
    page.set_viewport_size({"width": width, "height": 800})
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
    base = live_server.url

    # When a guest browses, searches, opens a product, fills the cart and checks out
    for path, where in [("/", "home"), ("/products/", "listing")]:
        page.goto(base + path)
        _check(page, errors, where)
    page.goto(base + "/products/?q=coffee&sort=price")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search results for “coffee”")
    _check(page, errors, "search")
    page.goto(base + "/products/dripper/")
    _check(page, errors, "detail")
    page.locator("form.add-to-cart button").first.click()
    page.goto(base + "/cart/")
    expect(page.get_by_test_id("cart-subtotal")).to_have_text("€1,234.50")
    _check(page, errors, "cart")
    page.get_by_test_id("checkout-button").click()
    _check(page, errors, "checkout")
    page.locator("#id_email").fill("guest@example.com")
    page.locator("#id_full_name").fill("Ada Lovelace")
    page.locator("#id_line1").fill("1 Analytical Street")
    page.locator("#id_postal_code").fill("N1 9GU")
    page.locator("#id_city").fill("London")
    page.locator("#id_country").select_option("GB")
    page.locator("#id_card_number").fill("4242 4242 4242 4242")
    page.locator("#id_expiry").fill("12/39")
    page.locator("#id_cvc").fill("123")
    page.get_by_test_id("place-order").click()

    # Then the confirmation and the order page fit the window too
    expect(page.get_by_test_id("confirmation-heading")).to_be_visible()
    _check(page, errors, "confirmation")
    page.get_by_test_id("guest-order-link").click()
    expect(page.get_by_test_id("order-status")).to_be_visible()
    _check(page, errors, "order page")

    # And a logged-in shopper's account pages and checkout (saved address) fit as well
    page.goto(base + "/accounts/login/")
    _check(page, errors, "login")
    page.locator("#id_username").fill("walker@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    for path, where in [
        ("/accounts/addresses/", "addresses"),
        ("/accounts/addresses/add/", "address form"),
        ("/orders/", "order list"),
        ("/accounts/password/change/", "password change"),
        ("/accounts/signup/", "signup"),
    ]:
        page.goto(base + path)
        _check(page, errors, where)
    page.goto(base + "/products/grinder/")
    page.locator("form.add-to-cart button").first.click()
    page.goto(base + "/checkout/")
    page.locator("#id_saved_address").select_option(index=1)
    expect(page.get_by_test_id("new-address")).to_be_hidden()
    _check(page, errors, "checkout with a saved address")
