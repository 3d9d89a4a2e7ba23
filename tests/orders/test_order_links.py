"""Guest order links: short-lived (ORDER_LINK_MAX_AGE_DAYS), revocable by staff (the order's
link version), view only, out of the address bar and the access log."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from orders.links import order_access_token, signed_order_path
from orders.models import OrderEvent
from orders.services.tracking import revoke_order_links
from tests.factories import OrderFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_a_link_older_than_the_setting_no_longer_opens_the_order(client, settings, monkeypatch):
    # given links live 30 days, and a link signed 31 days ago
    settings.ORDER_LINK_MAX_AGE_DAYS = 30
    order = OrderFactory(number="L0000001")
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 31 * 86400)
    old = order_access_token(order.number)
    monkeypatch.setattr(time, "time", real_time)
    fresh = order_access_token(order.number)

    # when each opens the order page
    expired = client.get("/orders/L0000001/", {"t": old})
    valid = Client().get("/orders/L0000001/", {"t": fresh})

    # then only the fresh one does
    assert expired.status_code == 404
    assert (valid.status_code, valid["Location"]) == (302, "/orders/L0000001/")


def test_staff_revoke_the_links_and_the_sessions_that_opened_them(client):
    # given a guest who opened their order's link, and the link itself
    order = OrderFactory(number="L0000002")
    link = signed_order_path(order.number)
    client.get(link)
    assert client.get("/orders/L0000002/").status_code == 200

    # when staff revoke the order's links
    outcome = revoke_order_links(order, actor="staff@example.com")

    # then neither the link nor the session that opened it shows the order any more
    assert outcome.message == "Order L0000002: links revoked."
    assert client.get("/orders/L0000002/").status_code == 404
    assert Client().get(link).status_code == 404
    # and a link made now (the next email's) works, with the new version
    assert order.link_version == 1
    assert Client().get(signed_order_path(order.number, order.link_version)).status_code == 302
    event = OrderEvent.objects.get(order=order, kind="staff_action")
    assert (event.actor, event.data) == ("staff@example.com", {"link_version": 1})


def test_the_admin_action_revokes_links(client):
    # given an order clerk in the admin, and a guest link
    order = OrderFactory(number="L0000003")
    link = signed_order_path(order.number)
    client.force_login(StaffFactory())

    # when the "revoke" action runs on the order
    response = client.post(
        "/admin/orders/order/",
        {"action": "revoke_guest_links", "_selected_action": [order.pk]},
        follow=True,
    )

    # then the link no longer opens it
    assert "Links revoked: L0000003." in response.content.decode()
    assert Client().get(link).status_code == 404


@pytest.mark.parametrize("path", ["/orders/L0000004/", "/orders/L0000004/status/"])
def test_order_pages_are_private_and_not_stored(client, path):
    # given the browser that placed an order
    OrderFactory(number="L0000004")
    session = client.session
    session["orders.visible"] = ["L0000004"]
    session.save()

    # when it opens the order's pages
    response = client.get(path)

    # then no cache may keep them
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
