from rest_framework import serializers

from kakunin.assessments.models import Answer, Assessment, Status
from kakunin.systems.models import System


class SystemSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = System
        fields = ["id", "name", "department", "confidentiality", "integrity",
                  "uses_servers", "serves_web", "uses_external_services"]  # fmt: skip
        read_only_fields = fields


class AssessmentSerializer(serializers.ModelSerializer):
    system = serializers.PrimaryKeyRelatedField(read_only=True)
    phase_label = serializers.CharField(read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "system", "phase", "phase_label", "fiscal_year", "revision", "state",
                  "round", "due_date", "approved_at"]  # fmt: skip
        read_only_fields = fields


class AnswerSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.key", read_only=True)
    number = serializers.IntegerField(source="item.number", read_only=True)

    class Meta:
        model = Answer
        fields = ["item", "number", "status", "text", "plan", "target_date", "verdict",
                  "version", "updated_at"]  # fmt: skip
        read_only_fields = ["item", "number", "verdict", "version", "updated_at"]


class AssessmentDetailSerializer(AssessmentSerializer):
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "answers"]
        read_only_fields = fields


class AnswerUpdateSerializer(serializers.Serializer):
    """The fields a person writes; those left out keep their value."""

    status = serializers.ChoiceField(choices=["", *Status.values], required=False)
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    plan = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    target_date = serializers.DateField(required=False, allow_null=True)


class ReturnSerializer(serializers.Serializer):
    """For a return: what the vendor should fix (optional). The other steps take no body."""

    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)
