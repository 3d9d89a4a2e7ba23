"""The shop's periodic work as Temporal Schedules, created or updated idempotently.

- ``shop-sweeper``: start orders without a workflow, every ``ORDER_SWEEP_INTERVAL_SECONDS``;
- ``shop-stale-carts``: delete stale anonymous carts, hourly;
- ``shop-reconcile-payments``: give back provider money with no record, at
  ``PAYMENT_RECONCILIATION_CRON`` (03:00 UTC by default).

``python manage.py sync_schedules`` (and ``runworker`` at start, unless ``TEMPORAL_SCHEDULES``
is off) calls ``sync``: a missing schedule is created, an existing one updated to the current
settings, so running it again creates nothing. Each run starts ``MaintenanceWorkflow`` on
``TEMPORAL_TASK_QUEUE``; overlapping runs are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from workflows.maintenance import JOB_RECONCILE, JOB_STALE_CARTS, JOB_SWEEP, MaintenanceWorkflow


@dataclass(frozen=True)
class JobSchedule:
    id: str
    job: str
    spec: ScheduleSpec
    catchup_window: timedelta


def job_schedules(sweep_interval: float | None = None) -> list[JobSchedule]:
    """The schedules; no sweeper with a sweep interval of 0 (``runworker --sweep-interval``
    overrides ``ORDER_SWEEP_INTERVAL_SECONDS``)."""
    sweep = float(
        settings.ORDER_SWEEP_INTERVAL_SECONDS if sweep_interval is None else sweep_interval
    )
    sweeper = JobSchedule(
        "shop-sweeper",
        JOB_SWEEP,
        ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(seconds=max(1.0, sweep)))]),
        catchup_window=timedelta(seconds=max(60.0, sweep)),
    )
    return [
        *([sweeper] if sweep > 0 else []),
        JobSchedule(
            "shop-stale-carts",
            JOB_STALE_CARTS,
            ScheduleSpec(cron_expressions=["17 * * * *"]),
            catchup_window=timedelta(hours=1),
        ),
        JobSchedule(
            "shop-reconcile-payments",
            JOB_RECONCILE,
            ScheduleSpec(cron_expressions=[settings.PAYMENT_RECONCILIATION_CRON]),
            catchup_window=timedelta(hours=6),
        ),
    ]


def schedule_for(job: JobSchedule) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            MaintenanceWorkflow.run,
            job.job,
            id=f"{job.id}-run",  # Temporal appends the run's time
            task_queue=settings.TEMPORAL_TASK_QUEUE,
            execution_timeout=timedelta(minutes=30),
        ),
        spec=job.spec,
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=job.catchup_window
        ),
    )


async def sync(client: Client, sweep_interval: float | None = None) -> dict[str, str]:
    """Create the missing schedules and update the others; ``{id: "created" | "updated"}``."""
    done: dict[str, str] = {}
    for job in job_schedules(sweep_interval):
        schedule = schedule_for(job)
        try:
            await client.create_schedule(job.id, schedule)
            done[job.id] = "created"
        except ScheduleAlreadyRunningError:

            def replace(_: ScheduleUpdateInput, schedule: Schedule = schedule) -> ScheduleUpdate:
                return ScheduleUpdate(schedule=schedule)

            await client.get_schedule_handle(job.id).update(replace)
            done[job.id] = "updated"
    return done
