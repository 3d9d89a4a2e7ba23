from django.urls import path

from orders.views import checkout, payment, tracking, webhook

app_name = "orders"
urlpatterns = [
    path("checkout/", checkout.checkout, name="checkout"),
    path("checkout/done/<str:number>/", checkout.checkout_done, name="checkout_done"),
    path("orders/", tracking.order_list, name="list"),
    path("orders/<str:number>/", tracking.order_detail, name="detail"),
    path("orders/<str:number>/status/", tracking.order_status_fragment, name="status_fragment"),
    path("orders/<str:number>/cancel/", tracking.order_cancel, name="cancel"),
    path("orders/<str:number>/pay/", payment.order_pay, name="pay"),
    path("webhooks/carrier/", webhook.carrier_webhook, name="carrier_webhook"),
]
