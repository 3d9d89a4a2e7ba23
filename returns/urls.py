from django.urls import path

from returns import views

app_name = "returns"
urlpatterns = [
    path("orders/<str:number>/returns/new/", views.return_new, name="new"),
    path("orders/<str:number>/returns/<str:return_number>/", views.return_detail, name="detail"),
    path(
        "orders/<str:number>/returns/<str:return_number>/status/",
        views.return_status_fragment,
        name="status_fragment",
    ),
]
