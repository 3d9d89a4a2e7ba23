"""The read side: the session's orders, who may see which order, and the API's rule."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.test import RequestFactory

from orders import selectors
from orders.links import order_access_token
from tests.factories import OrderFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


class _Session(dict):
    """A session is a mapping; the selectors need nothing more."""


def _request(user=None, session=None, **get):
    request = RequestFactory().get("/", get)
    request.user = user or AnonymousUser()
    request.session = _Session() if session is None else session
    return request


def test_remember_order_keeps_one_key_newest_last_and_capped():
    # given a session that already remembers the cap's worth of orders
    session = _Session({selectors.SESSION_ORDERS: [f"G{n:07d}" for n in range(50)]})

    # when it remembers one already there and one new
    selectors.remember_order(session, "G0000003")
    selectors.remember_order(session, "G9999999")

    # then both are newest, the oldest fell off, and the list stays at the cap
    numbers = session[selectors.SESSION_ORDERS]
    assert len(numbers) == selectors.MAX_SESSION_ORDERS == 50
    assert numbers[-2:] == ["G0000003", "G9999999"]
    assert "G0000000" not in numbers
    assert "G0000001" in numbers


def test_sessions_written_under_the_old_keys_still_count_and_move_to_the_new_one():
    # given a session from before the single key: one placed order and one signed-link grant
    session = _Session({"placed_orders": ["G0000001"], "orders.granted": ["G0000002"]})

    # when it is read, then a new order is remembered
    before = selectors.session_order_numbers(session)
    selectors.remember_order(session, "G0000003")

    # then the placed order was honoured and now lives under the one key; the old link grant
    # (it carries no link version, so it can't be revoked) is dropped
    assert before == ["G0000001"]
    assert dict(session) == {selectors.SESSION_ORDERS: ["G0000001", "G0000003"]}


def test_a_signed_link_grants_the_order_and_is_remembered_a_wrong_one_does_not():
    # given a guest order and its signed link
    order = OrderFactory(number="G0000010", user=None)
    link_token = order_access_token(order.number)

    # when a stranger opens it with a forged token, and a guest with the real one
    stranger = _request(t="forged")
    guest = _request(t=link_token)

    # then only the real link sees it, and the guest's session remembers it (view only)
    assert selectors.visible_order(stranger, "G0000010") is None
    assert selectors.visible_order(guest, "G0000010") == order
    assert guest.session[selectors.SESSION_LINKED] == {"G0000010": 0}
    assert selectors.may_act(guest, order) is False


def test_order_staff_need_the_orders_permission_not_only_is_staff():
    # given a catalog editor (is_staff, no order permission) and an order clerk
    order = OrderFactory(number="G0000011")
    editor = StaffFactory(is_superuser=False)
    clerk = StaffFactory(is_superuser=False)
    clerk.user_permissions.add(Permission.objects.get(codename="view_order"))

    # when each opens the order
    # then only the clerk sees it, as a staff view
    assert selectors.visible_order(_request(editor), order.number) is None
    assert selectors.visible_order(_request(clerk), order.number) == order
    assert selectors.is_staff_view(clerk, order) is True


def test_the_api_shows_an_account_its_own_orders_and_a_guest_session_only_guest_orders():
    # given an account with an order, a guest order, and a session holding both numbers
    user = UserFactory()
    mine = OrderFactory(number="G0000012", user=user)
    guest = OrderFactory(number="G0000013", user=None)
    session = _Session({selectors.SESSION_ORDERS: ["G0000012", "G0000013"]})

    # when the API asks for each caller's orders
    as_user = selectors.api_orders(_request(user))
    as_guest = selectors.api_orders(_request(session=session))

    # then the account sees its own; the anonymous session only the guest order
    assert list(as_user) == [mine]
    assert list(as_guest) == [guest]


def test_a_nul_byte_in_the_number_is_no_order_not_an_error():
    # given / when a number PostgreSQL cannot compare
    # then it is simply not found
    assert selectors.visible_order(_request(), "G\x00") is None
