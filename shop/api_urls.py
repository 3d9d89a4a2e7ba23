"""The REST API root (issue 6). Each app contributes its views in ``<app>/api.py``."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import routers

from accounts.api import AuthTokenView
from catalog.api import CategoryViewSet, ProductViewSet


class ShopRouter(routers.DefaultRouter):
    """DefaultRouter whose browsable root also links the endpoints that are not viewsets."""

    include_format_suffixes = False
    extra_root_links = {
        "auth-token": "api-auth-token",
        "schema": "api-schema",
        "docs": "api-docs",
    }

    def get_api_root_view(self, api_urls=None):
        view = super().get_api_root_view(api_urls)
        view.initkwargs["api_root_dict"].update(self.extra_root_links)
        return view


router = ShopRouter()
router.register("categories", CategoryViewSet, basename="api-category")
router.register("products", ProductViewSet, basename="api-product")

urlpatterns = [
    path("auth/token/", AuthTokenView.as_view(), name="api-auth-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    *router.urls,
]
