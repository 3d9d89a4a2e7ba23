"""The carrier webhook's answer for an event whose tracking number is a return's label
(``orders.views.webhook`` verifies the call and hands such events here)."""

from __future__ import annotations

from django.http import JsonResponse

from returns.models import ReturnRequest
from returns.services.staff import forward_carrier_event, return_for_tracking

__all__ = ["answer_return_event", "return_for_tracking"]


def answer_return_event(
    ret: ReturnRequest, status: str, *, event_id: str, note: str = ""
) -> JsonResponse:
    """202: forwarded to the return's workflow, or acknowledged for a finished return. Raises
    ``TemporalUnavailable`` (the webhook answers 503: the carrier retries)."""
    forwarded = forward_carrier_event(ret, status, event_id=event_id, note=note)
    if forwarded:
        detail = f"Event {status!r} forwarded to return {ret.number}."
    else:
        label = ret.get_status_display().lower()
        detail = f"Return {ret.number} is already {label}; event {status!r} ignored."
    return JsonResponse(
        {
            "code": "accepted",
            "detail": detail,
            "return": ret.number,
            "return_status": ret.status,
        },
        status=202,
    )
