"""Staff refund API shapes: what to refund (request) and each refund (answer)."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from refunds.models import Refund, RefundLine

# The fixed value sets the API answers with (enums in the schema).
REFUND_STATUSES = [(value, value) for value in Refund.Status.values]
MAX_QUANTITY = 10_000


class RefundLineInSerializer(serializers.Serializer):
    line_id = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="The order line's `id` (`lines[].id`)."
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class RefundRequestSerializer(serializers.Serializer):
    lines = RefundLineInSerializer(many=True, required=False, default=list, max_length=200)
    include_shipping = serializers.BooleanField(required=False, default=False)
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        default=None,
        help_text="A free amount (gross, more than zero) given back beyond items and shipping; "
        "needs a `reason`.",
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate_lines(self, lines: list[dict]) -> list[dict]:
        ids = [line["line_id"] for line in lines]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError("Name each line once.")
        return lines


class RefundLineSerializer(serializers.ModelSerializer):
    line_id = serializers.IntegerField(source="order_line_id")
    sku = serializers.CharField(source="order_line.sku")
    name = serializers.CharField(source="order_line.name")
    net = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax = serializers.DecimalField(max_digits=12, decimal_places=2)
    gross = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        model = RefundLine
        fields = ["line_id", "sku", "name", "quantity", "net", "tax", "gross"]


class TaxRowSerializer(serializers.Serializer):
    rate = serializers.CharField(help_text="Percent, e.g. `19.00`.")
    net = serializers.CharField()
    tax = serializers.CharField()


class RefundSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=REFUND_STATUSES)
    lines = RefundLineSerializer(many=True, read_only=True)
    tax_breakdown = TaxRowSerializer(many=True, read_only=True)

    class Meta:
        model = Refund
        fields = [
            "number",
            "status",
            "amount",
            "net",
            "tax",
            "tax_breakdown",
            "lines",
            "include_shipping",
            "shipping_amount",
            "free_amount",
            "reason",
            "actor",
            "return_number",
            "provider_reference",
            "credit_note_number",
            "failure_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
