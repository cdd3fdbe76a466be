"""Request and response shapes of ``/api/rules`` (SPEC §5)."""

from datetime import UTC, datetime

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.settings import api_settings

from communityrule.api.fields import StrictCharField
from rules.models import PublishedRule


class RuleInputSerializer(serializers.Serializer):
    title = StrictCharField(trim_whitespace=True, allow_blank=False, min_length=1, max_length=500)
    summary = StrictCharField(
        trim_whitespace=True, max_length=8000, required=False, allow_null=True, default=None
    )
    # Values unvalidated: the document is stored as sent (the parser applied JSON safety).
    document = serializers.DictField()

    def validate_summary(self, value):
        # SPEC §5: an empty (or all-space) summary is stored as null.
        return value or None


@extend_schema_field({"type": "object", "additionalProperties": True})
class DocumentField(serializers.JSONField):
    pass


class RuleCreatedSerializer(serializers.ModelSerializer):
    createdAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = PublishedRule
        fields = ["id", "title", "summary", "createdAt"]


class RuleSummarySerializer(RuleCreatedSerializer):
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta(RuleCreatedSerializer.Meta):
        fields = [*RuleCreatedSerializer.Meta.fields, "updatedAt"]


class OwnRuleSerializer(RuleSummarySerializer):
    class Meta(RuleSummarySerializer.Meta):
        fields = [*RuleSummarySerializer.Meta.fields, "status"]


class RuleSerializer(RuleSummarySerializer):
    document = DocumentField()

    class Meta(RuleSummarySerializer.Meta):
        fields = ["id", "title", "summary", "document", "createdAt", "updatedAt"]


class RuleCreatedEnvelopeSerializer(serializers.Serializer):
    rule = RuleCreatedSerializer()


class RuleEnvelopeSerializer(serializers.Serializer):
    rule = RuleSerializer()


# The list action answers one page object, not an array of them.
@extend_schema_serializer(many=False)
class RulePageSerializer(serializers.Serializer):
    rules = RuleSummarySerializer(many=True)
    nextCursor = serializers.CharField(allow_null=True)


class OwnRulesSerializer(serializers.Serializer):
    rules = OwnRuleSerializer(many=True)


# The list routes build their items without DRF's per-field machinery: a
# 50-rule page renders in a fifth of the time or less (docs/benchmarks.md,
# "Tuning"). The serializers above still describe these shapes in the API
# schema; rules/tests/test_serializers.py holds both to the same output.


def timestamp(value: datetime) -> str:
    """What ``serializers.DateTimeField`` renders: DATETIME_FORMAT (``...%fZ``) in UTC."""
    return value.astimezone(UTC).strftime(api_settings.DATETIME_FORMAT)


def rule_summary(rule: PublishedRule) -> dict:
    """``RuleSummarySerializer(rule).data``, built directly."""
    return {
        "id": str(rule.id),
        "title": rule.title,
        "summary": rule.summary,
        "createdAt": timestamp(rule.created_at),
        "updatedAt": timestamp(rule.updated_at),
    }


def rule_page(rules, *, next_cursor: str | None) -> dict:
    """``RulePageSerializer({"rules": rules, "nextCursor": next_cursor}).data``, built directly."""
    return {"rules": [rule_summary(rule) for rule in rules], "nextCursor": next_cursor}


def own_rules(rules) -> dict:
    """``OwnRulesSerializer({"rules": rules}).data``, built directly."""
    return {"rules": [{**rule_summary(rule), "status": rule.status} for rule in rules]}
