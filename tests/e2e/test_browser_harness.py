"""The browser harness itself: system Chromium renders a page served by the live server."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chromium_renders_a_live_server_page(page, live_server):
    # given the live server and a system Chromium (no downloaded browser)
    # when the admin login page is opened
    response = page.goto(f"{live_server.url}/admin/login/")

    # then it is served and rendered
    assert response.status == 200
    assert page.title() == "Log in | Django site admin"
    assert page.get_by_label("Email address:").is_visible()
