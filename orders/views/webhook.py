"""Carrier webhook (issue 5)."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def carrier_webhook(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"code": "not_implemented", "detail": "Coming soon."}, status=503)
