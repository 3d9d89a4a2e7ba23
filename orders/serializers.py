"""Order API shapes. Shoppers see what the order pages show; staff internals (payment token,
workflow id, checkout token, failure internals, event actors and data) are never serialized."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cart.serializers import RateTotalSerializer
from orders.models import Order, OrderEvent, OrderLine
from orders.status import OrderStatus
from workflows.client import PAYMENT_OUTCOMES

# Fixed value sets the API answers with (named enums in the schema: shop/settings.py).
SHIPMENT_STATUSES = ["created", "in_transit", "delivered", "exception"]
STEP_STATUSES = ["started", "completed", "failed", "compensated"]
# Staff notes never reach the API (orders.selectors leaves them out).
EVENT_KINDS = [
    (kind, label) for kind, label in OrderEvent.Kind.choices if kind != OrderEvent.Kind.STAFF_ACTION
]

# --- Checkout input --------------------------------------------------------------------------


class ShippingAddressSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    postal_code = serializers.CharField(max_length=20)
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$", max_length=2, min_length=2, help_text="ISO 3166-1 alpha-2 code."
    )
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class CardSerializer(serializers.Serializer):
    """Turned into a gateway token at once; only brand and last four digits are stored."""

    number = serializers.RegexField(r"^[0-9 -]{12,23}$", max_length=23, min_length=12)
    exp_month = serializers.IntegerField(min_value=1, max_value=12)
    exp_year = serializers.IntegerField(min_value=2000, max_value=2100)
    cvc = serializers.RegexField(r"^[0-9]{3,4}$", max_length=4, min_length=3)


class CheckoutSerializer(serializers.Serializer):
    email = serializers.EmailField(
        max_length=254, required=False, help_text="Required for guests; defaults to your account's."
    )
    shipping_address = ShippingAddressSerializer()
    shipping_method = serializers.ChoiceField(choices=list(settings.SHIPPING_METHODS))
    card = CardSerializer()
    voucher_code = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="A voucher for this order; when left out, the cart's voucher (if any) is used.",
    )

    def validate(self, attrs: dict) -> dict:
        user = self.context.get("user")
        if not attrs.get("email"):
            if user is None:
                raise serializers.ValidationError({"email": ["Please enter your email address."]})
            attrs["email"] = user.email
        return attrs


class PaySerializer(serializers.Serializer):
    card = CardSerializer()


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


# --- Output ----------------------------------------------------------------------------------


class OrderListSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    item_count = serializers.IntegerField(help_text="Units ordered.")

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "status_display",
            "created_at",
            "total",
            "currency",
            "item_count",
        ]


class OrderLineSerializer(serializers.ModelSerializer):
    line_total = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Unit price x quantity, as prices are entered."
    )
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="VAT percent.")
    discount_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="The line's share of the discount (gross)."
    )
    net_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="After the discount, without VAT."
    )
    tax_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    gross_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Net + VAT: what the line costs."
    )

    class Meta:
        model = OrderLine
        fields = [
            "sku",
            "name",
            "unit_price",
            "quantity",
            "line_total",
            "tax_rate",
            "discount_amount",
            "net_amount",
            "tax_amount",
            "gross_amount",
        ]


class OrderEventSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=EVENT_KINDS)
    from_status = serializers.ChoiceField(
        choices=OrderStatus.choices, allow_blank=True, help_text="Empty unless the status moved."
    )
    to_status = serializers.ChoiceField(
        choices=OrderStatus.choices, allow_blank=True, help_text="Empty unless the status moved."
    )

    class Meta:
        model = OrderEvent
        fields = ["kind", "from_status", "to_status", "message", "created_at"]


class AddressOutSerializer(serializers.Serializer):
    full_name = serializers.CharField(source="ship_full_name")
    line1 = serializers.CharField(source="ship_line1")
    line2 = serializers.CharField(source="ship_line2")
    city = serializers.CharField(source="ship_city")
    postal_code = serializers.CharField(source="ship_postal_code")
    country = serializers.CharField(source="ship_country")
    phone = serializers.CharField(source="ship_phone")


class PaymentMethodSerializer(serializers.Serializer):
    card_brand = serializers.CharField()
    card_last4 = serializers.CharField()


class ShipmentSerializer(serializers.Serializer):
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    status = serializers.ChoiceField(choices=SHIPMENT_STATUSES)


class StepSerializer(serializers.Serializer):
    step = serializers.CharField()
    status = serializers.ChoiceField(choices=STEP_STATUSES)


class ProgressSerializer(serializers.Serializer):
    """Live progress from the order's workflow (``null`` when it can't be asked right now)."""

    current_step = serializers.CharField(
        help_text="The step running now (a step name, or `starting`, `awaiting_payment`, "
        "`awaiting_delivery`, `done`)."
    )
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    steps = StepSerializer(many=True)
    cancel_requested = serializers.BooleanField()
    delivery_overdue = serializers.BooleanField()


class OrderDetailSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    shipping_address = AddressOutSerializer(source="*")
    payment_method = PaymentMethodSerializer(source="*")
    shipping_method = serializers.ChoiceField(choices=list(settings.SHIPPING_METHODS))
    shipment = serializers.SerializerMethodField()
    lines = OrderLineSerializer(many=True)
    events = OrderEventSerializer(many=True)
    can_cancel = serializers.BooleanField(source="is_cancellable")
    failure_message = serializers.SerializerMethodField(
        help_text="Why the order failed (as its page says); null unless it failed."
    )
    progress = serializers.SerializerMethodField()
    voucher_code = serializers.CharField(help_text="The voucher used; empty when none.")
    discount_total = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="The voucher's discount, VAT included."
    )
    prices_include_tax = serializers.BooleanField(
        help_text="The prices (unit_price, subtotal) were entered with VAT included."
    )
    net_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    shipping_net = serializers.DecimalField(max_digits=12, decimal_places=2)
    shipping_tax = serializers.DecimalField(max_digits=12, decimal_places=2)
    shipping_tax_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, help_text="VAT percent of shipping."
    )
    taxes = RateTotalSerializer(
        source="tax_breakdown", many=True, help_text="VAT per rate, lines and shipping."
    )

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "status_display",
            "created_at",
            "email",
            "shipping_address",
            "shipping_method",
            "currency",
            "subtotal",
            "voucher_code",
            "discount_total",
            "shipping_cost",
            "total",
            "prices_include_tax",
            "net_total",
            "tax_total",
            "shipping_net",
            "shipping_tax",
            "shipping_tax_rate",
            "taxes",
            "payment_method",
            "shipment",
            "lines",
            "events",
            "can_cancel",
            "failure_message",
            "progress",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_failure_message(self, order: Order) -> str | None:
        if order.status != OrderStatus.FAILED:
            return None
        return order.failure_reason or None

    @extend_schema_field(ShipmentSerializer(allow_null=True))
    def get_shipment(self, order: Order) -> dict | None:
        shipment = getattr(order, "shipment", None)
        return ShipmentSerializer(shipment).data if shipment is not None else None

    @extend_schema_field(ProgressSerializer(allow_null=True))
    def get_progress(self, order: Order) -> dict | None:
        progress = self.context.get("progress")
        return ProgressSerializer(progress).data if progress is not None else None


class CancelResultSerializer(serializers.Serializer):
    cancelled = serializers.BooleanField()
    detail = serializers.CharField()
    order = OrderDetailSerializer()


class PaymentOutcomeSerializer(serializers.Serializer):
    """How the card fared: ``authorized``; ``declined`` (pay again with
    ``POST /api/orders/<number>/pay/``); ``failed`` (the order failed or was cancelled first);
    ``pending`` (no answer within the wait: the order page and an email tell the outcome)."""

    status = serializers.ChoiceField(choices=[(s, s) for s in PAYMENT_OUTCOMES])
    code = serializers.CharField(
        allow_blank=True, help_text="The decline's code (card_declined, insufficient_funds)."
    )
    detail = serializers.CharField(source="message", allow_blank=True)


class CheckoutResultSerializer(OrderDetailSerializer):
    payment = PaymentOutcomeSerializer(read_only=True)

    class Meta(OrderDetailSerializer.Meta):
        fields = [*OrderDetailSerializer.Meta.fields, "payment"]


class PayResultSerializer(serializers.Serializer):
    payment = PaymentOutcomeSerializer()
    order = OrderDetailSerializer()
