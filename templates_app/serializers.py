"""Response shapes of ``/api/templates`` (SPEC §5)."""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from templates_app.models import RuleTemplate


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "sections": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "categoryName": {"type": "string"},
                        "entries": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"title": {"type": "string"}, "body": {"type": "string"}},
                            },
                        },
                    },
                },
            }
        },
    }
)
class TemplateBodyField(serializers.JSONField):
    pass


class TemplateSerializer(serializers.ModelSerializer):
    body = TemplateBodyField()

    class Meta:
        model = RuleTemplate
        fields = ["id", "slug", "title", "category", "description", "body", "featured"]


# The list action answers one object, not an array of them.
@extend_schema_serializer(many=False)
class TemplateListSerializer(serializers.Serializer):
    templates = TemplateSerializer(many=True)


class TemplateEnvelopeSerializer(serializers.Serializer):
    template = TemplateSerializer()
