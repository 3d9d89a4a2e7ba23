"""For the benchmark only: ``OrderWorkflow`` as it was before the ``local-db-steps`` patch,
every step a regular activity (what orders started before the patch still run), to measure
the local steps' gain in the same run.

Registered under the real workflow name on its own task queue, so ``place_order`` starts it
unchanged when ``TEMPORAL_TASK_QUEUE`` points at that queue.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.types import WORKFLOW_NAME, OrderInput, OrderResult

from workflows.workflow import OrderWorkflow


@workflow.defn(name=WORKFLOW_NAME)
class RegularStepsOrderWorkflow(OrderWorkflow):
    """``OrderWorkflow`` with no local steps."""

    local_steps: frozenset[str] = frozenset()

    @workflow.run
    async def run(self, input: OrderInput) -> OrderResult:
        return await super().run(input)
