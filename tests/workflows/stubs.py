"""Stub activities for workflow unit tests: registered under the real activities' names (as
``temporalio/samples-python`` ``tests/hello/hello_activity_test.py`` does), no database.

Each stub records its call and returns what the real activity would for an ordinary order;
a test makes a step fail (``fail``: one error for every call, or a list used up one call at a
time), hold until released (``hold``) or return something else (``returns``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from orders import states
from workflows.activities import ALL_ACTIVITIES
from workflows.types import ShipmentInfo, ValidationResult
from workflows.workflow import OrderWorkflow

REAL_NAMES = tuple(activity._Definition.must_from_callable(fn).name for fn in ALL_ACTIVITIES)
CARRIER_STATUS = {
    "in_transit": states.IN_TRANSIT,
    "delivered": states.DELIVERED,
    "exception": states.SHIPPED,
}


def _default(name: str, args: tuple[Any, ...]) -> Any:
    """What the real activity returns for an order that goes through."""
    number = args[0]
    if name == "validate_order":
        return ValidationResult(order_number=number, status=states.RECEIVED)
    if name == "create_shipment":
        return ShipmentInfo(carrier="DHL", tracking_number=f"DHL-{number}")
    if name == "reserve_inventory":
        return states.RESERVED
    if name in ("charge_payment", "authorize_payment", "capture_payment"):
        return f"{name[:2]}_{number}"
    if name == "refund_payment":
        return f"re_{number}"
    if name == "void_payment":
        return f"vo_{number}"
    if name == "release_inventory":
        return 1
    if name == "issue_invoice":
        return f"2026-{number}"
    if name == "apply_carrier_event":
        return CARRIER_STATUS[args[1]["status"]]
    if name == "complete_order":
        return states.COMPLETED
    if name == "mark_order_failed":
        return states.FAILED
    if name == "mark_order_cancelled":
        return states.CANCELLED
    return True


def business_error(error_type: str, message: str = "") -> ApplicationError:
    """The non-retryable error a real activity raises for a business failure."""
    return ApplicationError(message or f"{error_type}.", type=error_type, non_retryable=True)


@dataclass
class StubActivities:
    fail: dict[str, Exception | list[Exception]] = field(default_factory=dict)
    returns: dict[str, Any] = field(default_factory=dict)
    hold: set[str] = field(default_factory=set)
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    _released: dict[str, asyncio.Event] = field(default_factory=dict)
    _reached: dict[str, asyncio.Event] = field(default_factory=dict)

    def names(self) -> list[str]:
        """The steps called, in order."""
        return [name for name, _ in self.calls]

    def args_of(self, name: str) -> list[tuple[Any, ...]]:
        return [args[1:] for called, args in self.calls if called == name]

    async def reached(self, name: str, timeout: float = 10.0) -> None:
        """Wait until the held step ``name`` has started."""
        await asyncio.wait_for(self._event(self._reached, name).wait(), timeout)

    def release(self, name: str) -> None:
        self._event(self._released, name).set()

    def _event(self, events: dict[str, asyncio.Event], name: str) -> asyncio.Event:
        return events.setdefault(name, asyncio.Event())

    def definitions(self) -> list[Callable[..., Any]]:
        return [self._stub(name) for name in REAL_NAMES]

    def _stub(self, name: str) -> Callable[..., Any]:
        @activity.defn(name=name)
        async def stub(*args: Any) -> Any:
            self.calls.append((name, args))
            if name in self.hold:
                self._event(self._reached, name).set()
                await self._event(self._released, name).wait()
            failure = self.fail.get(name)
            if isinstance(failure, list):
                failure = failure.pop(0) if failure else None
            if failure is not None:
                raise failure
            if name in self.returns:
                return self.returns[name]
            return _default(name, args)

        return stub


@asynccontextmanager
async def stub_worker(client: Client, stubs: StubActivities) -> Iterator[str]:
    """Run ``OrderWorkflow`` with ``stubs`` on a fresh task queue; yields the queue's name."""
    task_queue = f"stub-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client, task_queue=task_queue, workflows=[OrderWorkflow], activities=stubs.definitions()
    ):
        yield task_queue
