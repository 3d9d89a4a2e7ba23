"""The baseline: a bare workflow with as many no-op activities as the order has steps up to the
confirmation email (validate, reserve, charge, ship, confirm). No Django, no database."""

from datetime import timedelta

from temporalio import activity, workflow

BARE_STEPS = 5


@activity.defn(name="bench_noop")
def noop(step: int) -> int:
    return step


@workflow.defn(name="BenchBareWorkflow")
class BareWorkflow:
    @workflow.run
    async def run(self, steps: int) -> int:
        for step in range(steps):
            await workflow.execute_activity(
                "bench_noop", step, start_to_close_timeout=timedelta(seconds=30)
            )
        return steps
