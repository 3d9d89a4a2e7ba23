"""Order tracking pages (issue 5)."""

from django.http import Http404, HttpRequest, HttpResponse


def order_list(request: HttpRequest) -> HttpResponse:
    raise Http404


def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    raise Http404


def order_status_fragment(request: HttpRequest, number: str) -> HttpResponse:
    raise Http404


def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    raise Http404
