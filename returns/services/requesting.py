"""Asking for a return: who may return what, the request itself, starting its workflow.

A return may be asked for on a delivered order (status completed or partially refunded, with a
``delivered`` event) within ``RETURN_WINDOW_DAYS`` of delivery, for at most the units delivered
minus those already returned or asked for (returns rejected or expired don't count). The check
and the write happen under the order's row lock, so two requests for the same units can't both
pass. The workflow starts on commit; if Temporal is unreachable the return is saved anyway and
the sweeper (``start_pending_returns``) starts it later, as it does for orders.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orders.models import Order, OrderEvent, OrderLine
from orders.status import OrderStatus
from returns.errors import ReturnRefused
from returns.models import FINAL_STATUSES, VOID_STATUSES, ReturnLine, ReturnRequest
from shop.locks import locked_order
from shop.workflow_starts import record_started, start_in_turn
from workflows.client import TemporalUnavailable, start_return_workflow

logger = logging.getLogger(__name__)

RETURNABLE_STATUSES = frozenset({OrderStatus.COMPLETED, OrderStatus.PARTIALLY_REFUNDED})
MAX_REASON_CHARS = 1000


@dataclass(frozen=True)
class ReturnableLine:
    line: OrderLine
    returned: int  # units already returned or asked for

    @property
    def available(self) -> int:
        return max(self.line.quantity - self.returned, 0)


def delivered_at(order: Order) -> datetime | None:
    """When the order was delivered (its last ``delivered`` event), or None."""
    return (
        OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.DELIVERED)
        .order_by("-created_at", "-pk")
        .values_list("created_at", flat=True)
        .first()
    )


def window_ends(order: Order) -> datetime | None:
    delivered = delivered_at(order)
    if delivered is None:
        return None
    return delivered + timedelta(days=float(settings.RETURN_WINDOW_DAYS))


def refusal(order: Order, now: datetime | None = None) -> ReturnRefused | None:
    """Why no return may be asked for on ``order`` now, or None."""
    ends = window_ends(order) if order.status in RETURNABLE_STATUSES else None
    if ends is None:
        return ReturnRefused(
            _("Only delivered orders can be returned."),
            "not_delivered",
        )
    if (now or timezone.now()) > ends:
        days = f"{float(settings.RETURN_WINDOW_DAYS):g}"
        return ReturnRefused(
            _("Returns are accepted within %(days)s days of delivery; that time has passed.")
            % {"days": days},
            "outside_window",
        )
    return None


def returnable_lines(order: Order) -> list[ReturnableLine]:
    """Each line of ``order`` with the units already returned or asked for."""
    returned: dict[int, int] = defaultdict(int)
    rows = (
        ReturnLine.objects.filter(return_request__order=order)
        .exclude(return_request__status__in=VOID_STATUSES)
        .values("order_line_id")
        .annotate(units=Sum("quantity"))
    )
    for row in rows:
        returned[row["order_line_id"]] = row["units"] or 0
    lines = OrderLine.objects.filter(order=order).order_by("pk")
    return [ReturnableLine(line=line, returned=returned[line.pk]) for line in lines]


def can_return(order: Order) -> bool:
    """A return may be asked for now (the page's "Return items" link)."""
    if refusal(order) is not None:
        return False
    return any(item.available for item in returnable_lines(order))


def _clean_quantities(quantities: dict[int, int]) -> dict[int, int]:
    cleaned: dict[int, int] = {}
    for line_id, quantity in quantities.items():
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise ReturnRefused(
                _("Quantities must be whole numbers, 0 or more."), "invalid_quantity"
            )
        if quantity:
            cleaned[int(line_id)] = quantity
    if not cleaned:
        raise ReturnRefused(_("Choose at least one item to return."), "nothing_selected")
    return cleaned


def _check_lines(order: Order, wanted: dict[int, int]) -> list[ReturnableLine]:
    items = {item.line.pk: item for item in returnable_lines(order)}
    unknown = sorted(set(wanted) - set(items))
    if unknown:
        raise ReturnRefused(_("That item is not part of this order."), "unknown_line")
    chosen = []
    for line_id in sorted(wanted):
        item = items[line_id]
        name = item.line.name
        if wanted[line_id] > item.line.quantity:
            raise ReturnRefused(
                _("You received %(n)s of %(name)s: you can't return more.")
                % {"n": item.line.quantity, "name": name},
                "too_many",
            )
        if wanted[line_id] > item.available:
            raise ReturnRefused(
                _("%(name)s: only %(n)s not yet returned can be returned.")
                % {"n": item.available, "name": name},
                "already_returned",
            )
        chosen.append(item)
    return chosen


def new_tracking_number() -> str:
    """The return label's tracking number (unique: the carrier reports by it)."""
    return "RT" + secrets.token_hex(8).upper()


def instructions_for(order: Order, tracking_number: str, ship_by: datetime) -> str:
    """What the customer is told to do, in the order's language."""
    with translation.override(order.language or settings.LANGUAGE_CODE):
        return _(
            "Pack the items securely, print the return label for tracking number "
            "%(tracking)s and hand the parcel to the carrier by %(date)s. We refund the items "
            "once the parcel has arrived."
        ) % {"tracking": tracking_number, "date": ship_by.date().isoformat()}


def request_return(
    order_number: str, quantities: dict[int, int], reason: str, *, actor: str = "customer"
) -> ReturnRequest:
    """Ask for a return of ``quantities`` (order line pk -> units) of ``order_number`` for
    ``reason``. Raises ``ReturnRefused`` (nothing written) or ``InvalidOrder``. The workflow
    starts when the transaction commits (or later, by the sweeper)."""
    reason = (reason or "").strip()
    if not reason:
        raise ReturnRefused(_("Tell us why you are returning the items."), "reason_required")
    if len(reason) > MAX_REASON_CHARS:
        raise ReturnRefused(
            _("Please keep the reason under %(n)s characters.") % {"n": MAX_REASON_CHARS},
            "reason_required",
        )
    wanted = _clean_quantities(quantities)
    with locked_order(order_number) as order:
        refused = refusal(order)
        if refused is not None:
            raise refused
        chosen = _check_lines(order, wanted)
        seq = (ReturnRequest.objects.filter(order=order).aggregate(m=Max("seq"))["m"] or 0) + 1
        now = timezone.now()
        ship_by = now + timedelta(days=float(settings.RETURN_SHIP_BY_DAYS))
        tracking = new_tracking_number()
        ret = ReturnRequest.objects.create(
            order=order,
            seq=seq,
            number=f"{order.number}-RT{seq}",
            reason=reason,
            tracking_number=tracking,
            instructions=instructions_for(order, tracking, ship_by),
            ship_by=ship_by,
            requested_by=actor[:150],
        )
        ReturnLine.objects.bulk_create(
            [
                ReturnLine(return_request=ret, order_line=item.line, quantity=wanted[item.line.pk])
                for item in chosen
            ]
        )
        transaction.on_commit(lambda: start_return_workflow_for(ret, fail_fast=True), robust=True)
    return ret


def start_return_workflow_for(ret: ReturnRequest, *, fail_fast: bool = False) -> bool:
    """Start the return's workflow. True when it runs (now or before); False when Temporal
    could not be reached (the sweeper tries again)."""
    try:
        start_return_workflow(
            ret.order.number,
            ret.number,
            ret.seq,
            ship_by=ret.ship_by,
            auto_approve=bool(settings.RETURNS_AUTO_APPROVE),
            fail_fast=fail_fast,
        )
    except TemporalUnavailable as exc:
        logger.warning("Return %s saved; its workflow will be started later: %s", ret.number, exc)
        return False
    except Exception:
        logger.exception("Could not start the workflow of return %s", ret.number)
        return False
    record_started(ret)
    return True


def start_pending_returns(limit: int | None = None) -> int:
    """Start the workflow of every open return with none on record, oldest first. Stops at the
    first that can't be started (Temporal unreachable). Returns how many were started."""
    pending = (
        ReturnRequest.objects.filter(workflow_started_at__isnull=True)
        .exclude(status__in=FINAL_STATUSES)
        .select_related("order")
        .order_by("pk")
    )
    if limit is not None:
        pending = pending[:limit]
    return start_in_turn(pending, start_return_workflow_for)
