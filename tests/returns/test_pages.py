"""The customer's return pages: the order page's "Return items" link, the form, the return's
page and its live fragment; the admin's returns list and actions' refusals."""

from __future__ import annotations

import pytest

from orders.links import order_access_token
from returns.models import ReturnRequest
from tests.factories import StaffFactory, UserFactory
from tests.returns.factories import delivered_order, make_return

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client):
    user = UserFactory(email="ada@example.com")
    client.force_login(user)
    return user


def test_the_order_page_offers_return_items_to_the_owner(client, owner):
    # Given a delivered order of the logged-in customer
    order = delivered_order(user=owner)

    # When the order page is opened
    page = client.get(f"/orders/{order.number}/").content.decode()

    # Then it links to the return form
    assert f'href="/orders/{order.number}/returns/new/"' in page
    assert 'data-testid="return-items-link"' in page


def test_no_return_link_outside_the_window(client, owner):
    # Given an order delivered 40 days ago / When its page is opened
    order = delivered_order(user=owner, days_ago=40)
    page = client.get(f"/orders/{order.number}/").content.decode()
    # Then no return link (and no returns section at all)
    assert "return-items-link" not in page and "order-returns" not in page


def test_the_form_saves_a_return_and_shows_its_page(client, owner):
    # Given a delivered order of 2 + 1 units
    order = delivered_order(user=owner, quantities=(2, 1))
    form = client.get(f"/orders/{order.number}/returns/new/")
    assert form.status_code == 200
    assert form.content.decode().count('data-testid="return-line"') == 2

    # When 1 unit of the first line is returned with a reason
    response = client.post(
        f"/orders/{order.number}/returns/new/",
        {"line_1": "1", "line_2": "0", "reason": "Too small"},
    )

    # Then the return is saved and the browser goes to its page, which shows the status,
    # the tracking number and the instructions
    ret = ReturnRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.number}/returns/{ret.number}/"
    page = client.get(response["Location"]).content.decode()
    assert f"Return {ret.number}" in page
    assert ret.tracking_number in page
    assert 'data-status="requested"' in page
    assert list(ret.lines.values_list("quantity", flat=True)) == [1]
    # ...and the order page lists it
    assert ret.number in client.get(f"/orders/{order.number}/").content.decode()
    # ...and the live fragment answers on its own
    fragment = client.get(f"/orders/{order.number}/returns/{ret.number}/status/")
    assert fragment.status_code == 200
    assert 'data-testid="return-status"' in fragment.content.decode()


def test_too_many_units_show_an_error_and_save_nothing(client, owner):
    # Given an order of 2 units, both already in a return
    order = delivered_order(user=owner, quantities=(2,))
    make_return(order, units={order.lines.get(): 2})

    # When the form asks for... the form offers 0 for the line: forcing 1 is refused
    response = client.post(
        f"/orders/{order.number}/returns/new/", {"line_1": "1", "reason": "Too small"}
    )

    # Then the page answers 400 with the message and no second return exists
    assert response.status_code == 400
    assert ReturnRequest.objects.count() == 1


def test_nothing_selected_says_so(client, owner):
    # Given / When the form is sent with no units
    order = delivered_order(user=owner, quantities=(2,))
    response = client.post(
        f"/orders/{order.number}/returns/new/", {"line_1": "0", "reason": "Too small"}
    )
    # Then
    assert response.status_code == 400
    assert "Choose at least one item to return." in response.content.decode()
    assert ReturnRequest.objects.count() == 0


def test_another_customers_order_is_a_404(client, owner):
    # Given someone else's delivered order and return
    order = delivered_order(user=UserFactory(email="eve@example.com"))
    ret = make_return(order)

    # When the logged-in customer opens its return form or return page / Then 404
    assert client.get(f"/orders/{order.number}/returns/new/").status_code == 404
    assert (
        client.post(
            f"/orders/{order.number}/returns/new/", {"line_1": "1", "reason": "x"}
        ).status_code
        == 404
    )
    assert client.get(f"/orders/{order.number}/returns/{ret.number}/").status_code == 404
    assert ReturnRequest.objects.count() == 1


def test_the_signed_link_lets_a_guest_return(client):
    # Given a guest's delivered order and its signed link
    order = delivered_order(quantities=(1,))
    token = order_access_token(order.number, order.link_version)

    # When the guest opens the form through the link and sends it
    opened = client.get(f"/orders/{order.number}/returns/new/?t={token}")
    assert opened.status_code == 302
    response = client.post(
        f"/orders/{order.number}/returns/new/", {"line_1": "1", "reason": "Too small"}
    )

    # Then the return is saved
    assert response.status_code == 302
    assert ReturnRequest.objects.get().requested_by == "customer"


def test_staff_see_returns_in_the_admin_and_refusals_are_said(client, settings):
    # Given a refunded return and staff logged in
    order = delivered_order()
    ret = make_return(order, status="refunded")
    client.force_login(StaffFactory(email="ops@example.com"))

    # When the list and the return's page are opened
    listing = client.get("/admin/returns/returnrequest/")
    change = client.get(f"/admin/returns/returnrequest/{ret.pk}/change/")

    # Then both show it, with the workflow panel (not started: no Temporal needed)
    assert listing.status_code == 200 and ret.number in listing.content.decode()
    assert change.status_code == 200
    assert 'data-testid="return-workflow-panel" data-state="not_started"' in (
        change.content.decode()
    )

    # And approving a finished return is refused with the reason, nothing sent
    response = client.post(
        "/admin/returns/returnrequest/",
        {"action": "approve_returns", "_selected_action": [ret.pk]},
        follow=True,
    )
    assert f"{ret.number}: Return {ret.number} is refunded." in response.content.decode()
    ret.refresh_from_db()
    assert ret.status == "refunded"
