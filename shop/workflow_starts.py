"""What the sweeper does for every kind of durable record (orders, refunds, returns): start the
workflows with none on record, oldest first, and note the start once it went through."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db.models import Model
from django.utils import timezone

T = TypeVar("T")


def start_in_turn(pending: Iterable[T], start: Callable[[T], bool]) -> int:
    """``start`` each record in turn; stop at the first that can't be started (Temporal out
    of reach: the next sweep tries again). Returns how many run now."""
    started = 0
    for record in list(pending):
        if not start(record):
            break
        started += 1
    return started


def record_started(record: Any) -> None:
    """Note that ``record``'s workflow runs: ``workflow_started_at`` by one conditional
    ``UPDATE`` (the first start noted wins), and on the instance."""
    model: type[Model] = type(record)
    now = timezone.now()
    model.objects.filter(pk=record.pk, workflow_started_at__isnull=True).update(
        workflow_started_at=now, updated_at=now
    )
    record.workflow_started_at = record.workflow_started_at or now
