"""Checkout pages (issue 3)."""

from django.http import HttpRequest, HttpResponse


def checkout(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Checkout is coming soon.", status=503)


def checkout_done(request: HttpRequest, number: str) -> HttpResponse:
    return HttpResponse("Checkout is coming soon.", status=503)
