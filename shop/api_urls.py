"""The REST API root. Each app contributes its views in ``<app>/api.py``."""

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import routers

from accounts.api import AuthTokenView
from cart.api import CartItemsView, CartItemView, CartView
from catalog.api import CategoryViewSet, ProductViewSet
from invoices.api import OrderInvoiceView
from orders.api import CheckoutView, OrderViewSet
from refunds.api import OrderRefundsView
from returns.api import OrderReturnsView, OrderReturnView


class ShopRouter(routers.DefaultRouter):
    """DefaultRouter whose browsable root also links the endpoints that are not viewsets."""

    include_format_suffixes = False
    extra_root_links = {
        "cart": "api-cart",
        "checkout": "api-checkout",
        "auth-token": "api-auth-token",
        "schema": "api-schema",
        "docs": "api-docs",
    }

    def get_api_root_view(self, api_urls=None):
        view = super().get_api_root_view(api_urls)
        view.initkwargs["api_root_dict"].update(self.extra_root_links)
        return view


def docs_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The schema and docs pages answer 404 when ``API_DOCS`` is off (read per request)."""

    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.API_DOCS:
            raise Http404("The API documentation is turned off.")
        return view(request, *args, **kwargs)

    return wrapped


@csrf_exempt  # a 404 changes nothing: no CSRF 403 before it
def api_not_found(request: HttpRequest, unmatched: str = "") -> JsonResponse:
    """Any other path under ``/api/``: a JSON 404 in development too (with ``DEBUG`` on, Django
    would answer its HTML page listing the routes). API paths end with a slash."""
    return JsonResponse(
        {"code": "not_found", "detail": "No API endpoint at this path (they end with a slash)."},
        status=404,
    )


router = ShopRouter()
router.register("categories", CategoryViewSet, basename="api-category")
router.register("products", ProductViewSet, basename="api-product")
router.register("orders", OrderViewSet, basename="api-order")

urlpatterns = [
    path("cart/", CartView.as_view(), name="api-cart"),
    path("cart/items/", CartItemsView.as_view(), name="api-cart-items"),
    path("cart/items/<int:product_id>/", CartItemView.as_view(), name="api-cart-item"),
    path("checkout/", CheckoutView.as_view(), name="api-checkout"),
    path("auth/token/", AuthTokenView.as_view(), name="api-auth-token"),
    path("schema/", docs_view(SpectacularAPIView.as_view()), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path(
        "docs/",
        docs_view(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("orders/<str:number>/invoice/", OrderInvoiceView.as_view(), name="api-order-invoice"),
    path("orders/<str:number>/returns/", OrderReturnsView.as_view(), name="api-order-returns"),
    path(
        "orders/<str:number>/returns/<str:return_number>/",
        OrderReturnView.as_view(),
        name="api-order-return",
    ),
    re_path(
        r"^orders/(?P<number>[A-Za-z0-9-]{1,20})/refunds/$",
        OrderRefundsView.as_view(),
        name="api-order-refunds",
    ),
    *router.urls,
    re_path(r"^(?P<unmatched>.*)$", api_not_found, name="api-not-found"),
]
