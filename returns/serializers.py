"""Return API shapes. Lines are named by their SKU (the order's lines show it); no internal
ids, no staff notes beyond the rejection reason the customer is emailed anyway."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from returns.models import ReturnCondition, ReturnLine, ReturnRequest, ReturnStatus
from returns.services.requesting import MAX_REASON_CHARS
from workflows.client import ReturnProgress

# Progress step statuses (workflows.types.StepRecord); a named enum in the schema.
RETURN_STEP_STATUSES = ["started", "completed", "failed"]


class ReturnLineInSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, help_text="The order line's item number.")
    quantity = serializers.IntegerField(min_value=0, max_value=10_000)


class ReturnCreateSerializer(serializers.Serializer):
    lines = ReturnLineInSerializer(many=True, allow_empty=False)
    reason = serializers.CharField(max_length=MAX_REASON_CHARS)

    def validate_lines(self, value: list[dict]) -> list[dict]:
        skus = [line["sku"] for line in value]
        if len(set(skus)) != len(skus):
            raise serializers.ValidationError("Name each item once.")
        return value


class ReturnLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="order_line.sku")
    name = serializers.CharField(source="order_line.name")
    condition = serializers.ChoiceField(
        choices=ReturnCondition.choices,
        allow_blank=True,
        help_text="Once received: `restock` (back in stock) or `damaged`; empty before.",
    )

    class Meta:
        model = ReturnLine
        fields = ["sku", "name", "quantity", "condition"]


class ReturnStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    status = serializers.ChoiceField(choices=RETURN_STEP_STATUSES)


class ReturnProgressSerializer(serializers.Serializer):
    """Live progress from the return's workflow (``null`` when it can't be asked now)."""

    current_step = serializers.CharField(
        help_text="The step running now (an activity name, or `starting`, "
        "`awaiting_approval`, `awaiting_parcel`, `done`)."
    )
    status = serializers.ChoiceField(choices=ReturnStatus.choices)
    steps = ReturnStepSerializer(many=True)


class ReturnSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=ReturnStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    order = serializers.CharField(source="order.number")
    lines = ReturnLineSerializer(many=True)
    rejection_reason = serializers.CharField(source="decision_note")
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ReturnRequest
        fields = [
            "number",
            "order",
            "status",
            "status_display",
            "reason",
            "tracking_number",
            "instructions",
            "ship_by",
            "lines",
            "rejection_reason",
            "refund_number",
            "created_at",
            "received_at",
            "progress",
        ]

    @extend_schema_field(ReturnProgressSerializer(allow_null=True))
    def get_progress(self, ret: ReturnRequest) -> dict | None:
        progress: ReturnProgress | None = self.context.get("progress", {}).get(ret.number)
        return ReturnProgressSerializer(progress).data if progress is not None else None
