"""Smoke tests of the benchmark code (not the benchmarks themselves: those are
``python -m bench.orders`` / ``python -m bench.pages``). Fast, no servers."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio import workflow
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from bench import common, history, loadgen, orders, orders_report, placing, querycount, steps
from bench.bare_workflow import BARE_STEPS
from bench.regular_workflow import RegularStepsOrderWorkflow
from orders.forms import CheckoutForm
from orders.models import Order
from workflows.payment_stage import PaymentStage
from workflows.scheduling import LOCAL_STEPS
from workflows.types import WORKFLOW_NAME
from workflows.worker import ORDER_WORKFLOW_MODULES, WORKFLOW_RUNNER, WORKFLOWS
from workflows.workflow import OrderWorkflow


@pytest.mark.django_db
@pytest.mark.parametrize("form", [loadgen.CHECKOUT_FORM, querycount.CHECKOUT_FORM])
def test_bench_checkout_forms_are_valid_checkout_posts(form):
    # given the form the load generator / query counter posts to /checkout/
    data = {**form, "checkout_token": uuid.uuid4().hex}
    # when the real checkout form validates it
    checkout = CheckoutForm(data)
    # then it is accepted and yields a card token (the field names still match)
    assert checkout.errors == {}
    assert checkout.tokenize() is True
    assert checkout.card is not None
    assert checkout.card.last4 == "4242"


def test_regular_steps_variant_is_a_valid_sandboxed_order_workflow():
    # given the benchmark's pre-patch variant of OrderWorkflow (every step a regular activity)
    defn = workflow._Definition.must_from_class(RegularStepsOrderWorkflow)

    # when the sandbox validates it as a worker would
    async def prepare() -> None:
        SandboxedWorkflowRunner().prepare_workflow(defn)

    asyncio.run(prepare())
    # then it runs under the real workflow's name, with the real one's handlers (cancel, and
    # the payment stage's two updates) and no local steps (the real one has three)
    assert defn.name == WORKFLOW_NAME
    assert issubclass(RegularStepsOrderWorkflow, PaymentStage)
    assert set(defn.queries) == {"progress"}
    assert set(defn.updates) == {"cancel", "payment_outcome", "retry_payment"}
    assert set(defn.signals) == {"carrier_event"}
    assert RegularStepsOrderWorkflow.local_steps == frozenset()
    assert OrderWorkflow.local_steps == LOCAL_STEPS
    assert frozenset({"validate_order", "reserve_inventory", "create_shipment"}) <= LOCAL_STEPS


def test_orders_args_require_the_bare_baseline():
    # given / when the variants are parsed
    args = orders.parse_args(["--variants", "bare,ours"])
    # then they are a list, and leaving out the baseline is refused
    assert args.variants == ["bare", "ours"]
    with pytest.raises(SystemExit):
        orders.parse_args(["--variants", "ours"])


def test_summary_and_median_breakdown():
    # given latencies and two history breakdowns
    values = [0.1, 0.2, 0.3, 0.4, 0.5]
    samples = [
        {
            "total": total,
            "activities": 0.1,
            "workflow_tasks": 0.05,
            "workflow_task_queue": 0.01,
            "other": total - 0.16,
            "per_activity": {"validate_order": 0.02},
            "workflow_task_count": 6,
            "activity_task_count": 5,
            "local_activity_count": 0,
        }
        for total in (0.2, 0.4)
    ]
    # when they are summarised
    stats = common.summary(values)
    merged = history.median_breakdown(samples)
    # then percentiles interpolate and medians are per field
    assert stats["p50"] == pytest.approx(0.3)
    assert stats["p95"] == pytest.approx(0.48)
    assert merged["total"] == pytest.approx(0.3)
    assert merged["per_activity"] == {"validate_order": pytest.approx(0.02)}
    assert merged["workflow_task_count"] == 6
    assert merged["n"] == 2


def test_bench_modules_share_the_variant_labels():
    # given the variants the order benchmark knows / when the report labels them
    # then every variant has a label, and the step benchmark covers the workflow's steps up to
    # the email (authorize before the shipment, capture and the invoice after it)
    assert set(orders.VARIANTS) == set(orders_report.LABELS)
    assert steps.STEPS == (
        "validate_order",
        "reserve_inventory",
        "authorize_payment",
        "create_shipment",
        "capture_payment",
        "issue_invoice",
        "send_confirmation_email",
    )
    assert callable(placing.place_one)


@pytest.mark.django_db
def test_step_benchmark_runs_every_step_of_an_order():
    # given the step benchmark (our code alone, no Temporal)
    # when it measures one order (after its two warm-up orders)
    measured = steps.measure(1)

    # then every step ran against the order, payment steps included, with its queries counted
    assert list(measured) == ["place_order", *steps.STEPS]
    assert all(row["queries"] > 0 for row in measured.values())
    order = Order.objects.order_by("-pk").first()
    assert order.status == "shipped"
    assert sorted(order.payments.values_list("kind", "status")) == [
        ("authorization", "succeeded"),
        ("capture", "succeeded"),
    ]


def test_the_workers_sandbox_passes_order_workflow_modules_through_and_still_validates():
    # given the worker's workflow runner (issue 20: OrderWorkflow's modules imported once) and
    # the SDK's default one (the replay tests use it)
    # when every workflow the worker serves is prepared by both, as a worker would
    async def prepare() -> None:
        for cls in WORKFLOWS:
            defn = workflow._Definition.must_from_class(cls)
            SandboxedWorkflowRunner().prepare_workflow(defn)
            WORKFLOW_RUNNER.prepare_workflow(defn)

    asyncio.run(prepare())
    # then both accept them, and only OrderWorkflow's own modules are passed through
    passthrough = WORKFLOW_RUNNER.restrictions.passthrough_modules
    assert set(ORDER_WORKFLOW_MODULES) <= passthrough
    assert OrderWorkflow.__module__ in passthrough
    assert not {m for m in passthrough if m.startswith(("shop", "catalog", "cart", "django"))}


def test_bare_baseline_has_as_many_activities_as_ours_has_remote_ones_up_to_the_email():
    # given the steps up to the confirmation email that are not local activities
    remote = [s for s in steps.STEPS if s not in LOCAL_STEPS]
    # then the bare workflow runs one no-op activity for each
    assert remote == ["authorize_payment", "capture_payment", "send_confirmation_email"]
    assert len(remote) == BARE_STEPS
