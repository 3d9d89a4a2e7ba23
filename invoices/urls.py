from django.urls import path

from invoices import views

app_name = "invoices"
urlpatterns = [
    path("orders/<str:number>/invoice/", views.invoice_download, name="invoice"),
    path(
        "orders/<str:number>/credit-notes/<str:credit_number>/",
        views.credit_note_download,
        name="credit_note",
    ),
]
