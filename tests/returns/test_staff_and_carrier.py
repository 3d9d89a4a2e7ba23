"""Staff's decisions, the carrier webhook for a return's label and the sweeper, against the
real ``ReturnWorkflow`` on the time-skipping server (signals through Django's client)."""

from __future__ import annotations

import json

import pytest

from orders.views.webhook import signed_headers
from returns.models import ReturnRequest
from returns.services import staff
from returns.services.requesting import request_return, start_pending_returns
from tests.factories import StaffFactory
from tests.returns.factories import delivered_order, make_return
from tests.workflows.helpers import wait_for
from workflows.return_types import return_workflow_id
from workflows.return_workflow import ReturnWorkflow

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]

SECRET = "returns-test-secret"


def _status(ret: ReturnRequest) -> str:
    return ReturnRequest.objects.values_list("status", flat=True).get(pk=ret.pk)


def _post_event(client, tracking_number: str, status: str, event_id: str):
    body = json.dumps(
        {"tracking_number": tracking_number, "status": status, "event_id": event_id}
    ).encode()
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed_headers(body).items()}
    return client.post("/webhooks/carrier/", data=body, content_type="application/json", **headers)


def test_staff_reject_a_return_waiting_for_review(
    django_on_time_skipping, background_loop, settings
):
    # Given returns reviewed by staff, and a return waiting for them
    settings.RETURNS_AUTO_APPROVE = False
    order = delivered_order(quantities=(1,))
    ret = request_return(order.number, {order.lines.get().pk: 1}, "Used it once")
    wait_for(lambda: order.notifications.filter(kind="return_requested").exists(), timeout=30)
    ret.refresh_from_db()

    # When staff reject it with a note
    outcome = staff.decide(ret, approve=False, actor="ops@example.com", note="Worn items.")

    async def scenario() -> str:
        handle = django_on_time_skipping.client.get_workflow_handle(
            return_workflow_id(order.number, 1)
        )
        return await handle.result()

    # Then the workflow ends rejected, the customer is told why, and a second decision is
    # refused at once
    assert outcome.ok
    assert background_loop.run(scenario(), timeout=60) == "rejected"
    ret.refresh_from_db()
    assert (ret.status, ret.decided_by, ret.decision_note) == (
        "rejected",
        "ops@example.com",
        "Worn items.",
    )
    assert list(order.notifications.values_list("kind", flat=True)) == [
        "return_requested",
        "return_rejected",
    ]
    again = staff.decide(ret, approve=True, actor="ops@example.com")
    assert (again.ok, again.message) == (False, f"Return {ret.number} is rejected.")


def test_the_carrier_webhook_moves_a_return_along(
    django_on_time_skipping, client, background_loop, settings
):
    # Given an approved return
    settings.CARRIER_WEBHOOK_SECRET = SECRET
    order = delivered_order(quantities=(1,))
    ret = request_return(order.number, {order.lines.get().pk: 1}, "Too big")
    wait_for(lambda: _status(ret) == "approved", timeout=30)

    # When the carrier reports the return's label in transit
    response = _post_event(client, ret.tracking_number, "in_transit", "c1")

    # Then the webhook answers 202 naming the return, and the return is on its way back
    assert response.status_code == 202
    assert response.json() == {
        "code": "accepted",
        "detail": f"Event 'in_transit' forwarded to return {ret.number}.",
        "return": ret.number,
        "return_status": "approved",
    }
    wait_for(lambda: _status(ret) == "in_transit", timeout=30)

    async def progress():
        handle = django_on_time_skipping.client.get_workflow_handle(
            return_workflow_id(order.number, 1)
        )
        return await handle.query(ReturnWorkflow.progress)

    state = background_loop.run(progress(), timeout=30)
    assert (state.status, state.current_step) == ("in_transit", "awaiting_parcel")


def test_the_webhook_answers_503_for_a_return_while_temporal_is_down(client, settings):
    # Given a return whose workflow never started, and Temporal down (the test default)
    settings.CARRIER_WEBHOOK_SECRET = SECRET
    ret = make_return(delivered_order(), status="approved")

    # When the carrier reports it / Then 503 (the carrier retries), nothing changed
    response = _post_event(client, ret.tracking_number, "in_transit", "c1")
    assert (response.status_code, response.json()["code"]) == (503, "temporal_unavailable")
    assert _status(ret) == "approved"


def test_the_sweeper_starts_returns_saved_while_temporal_was_down(django_on_time_skipping):
    # Given a return saved without a workflow (Temporal was away), and a finished one
    order = delivered_order(quantities=(2,))
    waiting = make_return(order, status="requested")
    make_return(order, status="expired")

    # When the sweeper runs
    started = start_pending_returns()

    # Then only the open one was started, and its workflow approves it
    assert started == 1
    waiting.refresh_from_db()
    assert waiting.workflow_started_at is not None
    wait_for(lambda: _status(waiting) == "approved", timeout=30)
    assert ReturnRequest.objects.filter(workflow_started_at__isnull=True).count() == 1


def test_the_admin_marks_a_return_received_with_a_condition_per_line(
    django_on_time_skipping, client, background_loop
):
    # Given an approved return of one unit of each of two lines, and staff in the admin
    order = delivered_order(quantities=(1, 1))
    first, second = order.lines.order_by("pk")
    ret = request_return(order.number, {first.pk: 1, second.pk: 1}, "Broken")
    wait_for(lambda: _status(ret) == "approved", timeout=30)
    client.force_login(StaffFactory(email="ops@example.com"))

    # When staff choose "Mark received": a page with a condition per line; then they send it
    # with the first line damaged
    url = "/admin/returns/returnrequest/"
    page = client.post(url, {"action": "mark_received", "_selected_action": [ret.pk]})
    assert page.status_code == 200
    assert f'name="condition-{ret.pk}-{first.pk}"' in page.content.decode()
    done = client.post(
        url,
        {
            "action": "mark_received",
            "_selected_action": [ret.pk],
            "apply": "1",
            f"condition-{ret.pk}-{first.pk}": "damaged",
            f"condition-{ret.pk}-{second.pk}": "restock",
        },
        follow=True,
    )

    # Then the admin says so, and the workflow records the conditions and restocks one unit
    assert f"{ret.number}: Return {ret.number} marked received." in done.content.decode()
    # (this order was never captured: the refunds module refuses, the return ends
    # refund_failed for staff, having restocked)
    wait_for(lambda: _status(ret) == "refund_failed", timeout=30)
    assert ReturnRequest.objects.get(pk=ret.pk).refund_number == ""
    assert dict(ret.lines.values_list("order_line_id", "condition")) == {
        first.pk: "damaged",
        second.pk: "restock",
    }
    stock = [line.product.stock.quantity for line in order.lines.order_by("pk")]
    assert stock == [10, 11]


def test_the_webhook_acknowledges_events_for_a_finished_return(client, settings):
    # Given a refunded return (its workflow is over)
    settings.CARRIER_WEBHOOK_SECRET = SECRET
    ret = make_return(delivered_order(), status="refunded")

    # When the carrier reports its label again / Then 202, ignored, nothing changed
    response = _post_event(client, ret.tracking_number, "delivered", "late")
    assert response.status_code == 202
    assert response.json()["detail"] == (
        f"Return {ret.number} is already refunded; event 'delivered' ignored."
    )
    assert _status(ret) == "refunded"


def test_the_order_admin_lists_its_returns_with_a_link_to_each(client):
    # Given a delivered order with a return
    order = delivered_order(quantities=(2,))
    (line,) = order.lines.all()
    ret = request_return(order.number, {line.pk: 1}, "Too small")
    client.force_login(StaffFactory(email="ops@example.com"))

    # When staff open the order in the admin
    html = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()

    # Then its return is listed with its status and a link to the return's page
    assert ret.number in html and "Too small" in html
    assert f"/admin/returns/returnrequest/{ret.pk}/change/" in html
