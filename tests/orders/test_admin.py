"""Order admin: list, detail with the live workflow panel (Temporal down: the test default),
and staff actions that record who did them."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.utils import timezone

from orders.models import Order, OrderEvent
from orders.status import OrderStatus
from tests.factories import (
    OrderEventFactory,
    OrderFactory,
    OrderLineFactory,
    PaymentFactory,
    ShipmentFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/orders/order/"
ALL_STATUSES = [s.value for s in OrderStatus]


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory(email="ops@example.com"))
    return client


def full_order(number: str, status: str, *, started: bool = True) -> Order:
    """An order with a line, a payment, a shipment, a reservation and events."""
    from orders.models import Reservation

    order = OrderFactory(
        number=number,
        status=status,
        user=UserFactory(),
        workflow_started_at=timezone.now() if started else None,
    )
    line = OrderLineFactory(order=order)
    Reservation.objects.create(order=order, product=line.product, quantity=line.quantity)
    PaymentFactory(order=order)
    ShipmentFactory(order=order)
    OrderEventFactory(order=order)
    OrderEventFactory(order=order, kind="validated", to_status="validated")
    return order


def test_order_list_shows_every_status_with_constant_queries(
    staff_client, django_assert_max_num_queries
):
    # given one order in every status
    for i, status in enumerate(ALL_STATUSES):
        full_order(f"A{i:07d}", status)
    with django_assert_max_num_queries(12) as few:
        staff_client.get(LIST_URL)

    # when 30 more orders exist and the list is opened again
    for i in range(30):
        full_order(f"B{i:07d}", "paid")
    with django_assert_max_num_queries(12) as many:
        response = staff_client.get(LIST_URL)

    # then every order and status is listed and the query count did not grow
    html = response.content.decode()
    assert response.status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)
    for status in ALL_STATUSES:
        assert f'data-status="{status}"' in html
    assert html.count('class="order-status"') == len(ALL_STATUSES) + 30
    assert "€44.88" in html


def test_order_list_query_count_does_not_depend_on_page_size(
    staff_client, monkeypatch, django_assert_max_num_queries
):
    # given 30 orders of different customers, listed 5 per page
    for i in range(30):
        full_order(f"C{i:07d}", ALL_STATUSES[i % len(ALL_STATUSES)])
    monkeypatch.setattr(site._registry[Order], "list_per_page", 5)
    with django_assert_max_num_queries(12) as small:
        staff_client.get(LIST_URL)

    # when the page size is 30
    monkeypatch.setattr(site._registry[Order], "list_per_page", 30)
    with django_assert_max_num_queries(12) as large:
        response = staff_client.get(LIST_URL)

    # then the same queries ran for 6 times the rows
    assert len(small.captured_queries) == len(large.captured_queries)
    assert response.content.decode().count('class="order-status"') == 30


def test_order_list_search_and_filter(staff_client):
    # given orders of two customers in two statuses
    OrderFactory(number="N0000001", email="ada@example.com", status="paid")
    OrderFactory(number="N0000002", email="grace@example.com", status="failed")

    # when staff search by number, by email and filter by status
    by_number = staff_client.get(LIST_URL, {"q": "N0000002"}).content.decode()
    by_email = staff_client.get(LIST_URL, {"q": "ada@"}).content.decode()
    by_status = staff_client.get(LIST_URL, {"status__exact": "failed"}).content.decode()
    nul = staff_client.get(LIST_URL, {"q": "N0000001\x00"})

    # then each finds exactly the matching order
    assert "N0000002" in by_number and "N0000001" not in by_number
    assert "N0000001" in by_email and "N0000002" not in by_email
    assert "N0000002" in by_status and "N0000001" not in by_status
    assert nul.status_code == 200 and "N0000001" in nul.content.decode()


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_order_detail_renders_read_only_in_every_status(
    staff_client, status, django_assert_max_num_queries
):
    # given an order with everything attached whose workflow was started (Temporal is down)
    order = full_order("D0000001", status)

    # when staff open it
    with django_assert_max_num_queries(20):
        response = staff_client.get(f"{LIST_URL}{order.pk}/change/")

    # then lines, events, payments, shipment and reservations show, read-only, with the panel
    html = response.content.decode()
    assert response.status_code == 200
    assert "D0000001" in html
    assert order.lines.get().sku in html
    assert order.shipment.tracking_number in html
    assert "order-D0000001-charge" in html
    assert "events (timeline)" in html.lower()
    assert "Reservations" in html
    assert f'data-status="{status}"' in html
    assert 'name="_save"' not in html  # view-only
    assert 'data-state="unreachable"' in html
    assert "Temporal unreachable" in html
    assert "http://localhost:8233/namespaces/default/workflows/order-D0000001" in html


def test_detail_query_count_does_not_grow_with_events(staff_client, django_assert_max_num_queries):
    # given an order with 2 events, then with 22
    order = full_order("D0000002", "paid")
    url = f"{LIST_URL}{order.pk}/change/"
    with django_assert_max_num_queries(20) as few:
        staff_client.get(url)
    for i in range(20):
        OrderEventFactory(order=order, kind=f"note-{i}")

    # when the detail page is opened again
    with django_assert_max_num_queries(20) as many:
        response = staff_client.get(url)

    # then the same queries ran and every event is listed
    assert len(few.captured_queries) == len(many.captured_queries)
    assert "note-19" in response.content.decode()


def test_panel_before_any_workflow_says_so_without_calling_temporal(staff_client):
    # given an order the sweeper has not started yet
    order = full_order("D0000003", "received", started=False)

    # when staff open it
    html = staff_client.get(f"{LIST_URL}{order.pk}/change/").content.decode()

    # then the panel says no workflow yet
    assert 'data-state="not_started"' in html
    assert "No workflow started yet" in html


def test_orders_cannot_be_added_or_deleted_in_admin(staff_client):
    # given an order
    order = OrderFactory(number="D0000004")

    # when staff try to add or delete through admin
    add = staff_client.get(f"{LIST_URL}add/")
    delete = staff_client.get(f"{LIST_URL}{order.pk}/delete/")

    # then both are refused and the order stays
    assert add.status_code == 403
    assert delete.status_code == 403
    assert Order.objects.filter(number="D0000004").exists()


def _act(client, action: str, *orders: Order):
    return client.post(
        LIST_URL,
        {"action": action, "_selected_action": [o.pk for o in orders]},
        follow=True,
    )


def test_cancel_action_cancels_unstarted_orders_and_records_the_staff_member(staff_client):
    # given an order nobody started and one already shipped
    waiting = OrderFactory(number="E0000001")
    shipped = OrderFactory(number="E0000002", status="shipped")

    # when staff cancel both
    response = _act(staff_client, "cancel_orders", waiting, shipped)

    # then the first is cancelled, the second refused; both record who asked
    html = response.content.decode()
    waiting.refresh_from_db()
    shipped.refresh_from_db()
    assert (waiting.status, shipped.status) == ("cancelled", "shipped")
    assert "Cancelled: E0000001." in html
    assert "E0000002: Order E0000002 can no longer be cancelled: it is shipped." in html
    cancelled = OrderEvent.objects.get(order=waiting, kind="cancelled")
    assert (cancelled.actor, cancelled.to_status) == ("ops@example.com", "cancelled")
    staff_events = list(
        OrderEvent.objects.filter(kind="staff_action")
        .order_by("order__number")
        .values_list("order__number", "actor", "message")
    )
    assert staff_events == [
        (
            "E0000001",
            "ops@example.com",
            "Staff cancelled: Order E0000001 is cancelled. Nothing was charged.",
        ),
        (
            "E0000002",
            "ops@example.com",
            "Staff cancel refused: Order E0000002 can no longer be cancelled: it is shipped.",
        ),
    ]


def test_mark_delivered_action_with_temporal_down_reports_and_records_nothing(staff_client):
    # given a shipped order with a workflow while Temporal is unreachable, and a paid one
    shipped = ShipmentFactory(order__number="E0000003", order__workflow_started_at=timezone.now())
    paid = OrderFactory(number="E0000004", status="paid")

    # when staff mark both delivered
    html = _act(staff_client, "mark_orders_delivered", shipped.order, paid).content.decode()

    # then each gets a clear message and nothing was written
    assert "E0000003: We could not reach the order system; please try again in a minute." in html
    assert "E0000004: Order E0000004 is paid; only shipped orders can be marked delivered." in html
    assert not OrderEvent.objects.exists()


def test_gateway_ledger_is_read_only_in_admin(staff_client):
    # given / when staff open the payment provider's ledger
    response = staff_client.get("/admin/orders/gatewaytransaction/")

    # then it lists, without an add button
    assert response.status_code == 200
    assert "/admin/orders/gatewaytransaction/add/" not in response.content.decode()


def test_admin_registers_orders():
    # given the admin site / then orders and the ledger are registered
    assert Order in site._registry


def test_cancel_action_with_temporal_down_reports_and_records_nothing(staff_client):
    # given a paid order with a running workflow while Temporal is unreachable
    order = OrderFactory(number="E0000005", status="paid", workflow_started_at=timezone.now())

    # when staff cancel it
    html = _act(staff_client, "cancel_orders", order).content.decode()

    # then they are asked to retry, and nothing changed or was recorded
    assert "E0000005: We could not reach the order system; please try again in a minute." in html
    order.refresh_from_db()
    assert order.status == "paid"
    assert not OrderEvent.objects.exists()


def test_detail_query_count_does_not_grow_with_lines(staff_client, django_assert_max_num_queries):
    # given an order with 1 line (and its reservation), then with 11
    from orders.models import Reservation

    order = full_order("D0000003", "paid")
    url = f"{LIST_URL}{order.pk}/change/"
    with django_assert_max_num_queries(20) as few:
        staff_client.get(url)
    for i in range(10):
        line = OrderLineFactory(order=order, sku=f"EXTRA-{i}")
        Reservation.objects.create(order=order, product=line.product, quantity=1)

    # when the detail page is opened again
    with django_assert_max_num_queries(20) as many:
        response = staff_client.get(url)

    # then the same queries ran and every line is listed
    assert len(few.captured_queries) == len(many.captured_queries)
    assert "EXTRA-9" in response.content.decode()


@pytest.mark.parametrize("action", ["cancel_orders", "mark_orders_delivered"])
def test_view_only_staff_cannot_run_order_actions(client, action):
    # given a staff member who may only view orders, and an order nobody started
    from django.contrib.auth.models import Permission

    viewer = UserFactory(email="viewer@example.com", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(viewer)
    order = OrderFactory(number="E0000009")

    # when they post an order action from the list
    response = client.post(
        LIST_URL, {"action": action, "_selected_action": [order.pk]}, follow=True
    )

    # then the list shows, the action is not offered, and nothing happened to the order
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{action}"' not in html
    order.refresh_from_db()
    assert order.status == "received"
    assert OrderEvent.objects.filter(order=order).count() == 0


def test_detail_shows_the_voucher_and_vat_per_rate_and_each_line_net_plus_tax(staff_client):
    # Given an order with a voucher and two VAT rates, as checkout stores it
    order = OrderFactory(
        number="S0000777",
        voucher_code="SPRING10",
        discount_total="2.00",
        subtotal="20.00",
        shipping_cost="4.90",
        total="22.90",
        tax_breakdown=[
            {"rate": "19.00", "net": "11.68", "tax": "2.22"},
            {"rate": "7.00", "net": "8.41", "tax": "0.59"},
        ],
    )
    OrderLineFactory(
        order=order,
        sku="TEA-1",
        unit_price="9.00",
        quantity=1,
        tax_rate="7.00",
        net_amount="8.41",
        tax_amount="0.59",
        gross_amount="9.00",
    )

    # When staff open it
    html = staff_client.get(f"{LIST_URL}{order.pk}/change/").content.decode()

    # Then the discount and the VAT per rate are listed, and the line's net plus VAT
    assert "Voucher SPRING10: -€2.00" in html
    assert "incl. 19% VAT: €2.22" in html
    assert "incl. 7% VAT: €0.59" in html
    assert "€9.00 (€8.41 + €0.59)" in html
