"""Request and response shapes of ``/api/drafts/me`` (SPEC §5)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communityrule.api.fields import StrictCharField
from drafts.models import RuleDraft

CURRENT_STEPS = (
    "informational",
    "text",
    "select",
    "upload",
    "review",
    "cards",
    "right-rail",
    "confirm-stakeholders",
    "final-review",
    "completed",
)


class DraftPayloadSerializer(serializers.Serializer):
    """The keys of a draft payload the server understands; any other key passes through."""

    title = StrictCharField(max_length=500, required=False)
    summary = StrictCharField(max_length=8000, required=False)
    currentStep = serializers.ChoiceField(choices=CURRENT_STEPS, required=False)
    sections = serializers.ListField(required=False)
    stakeholders = serializers.ListField(required=False)


@extend_schema_field({"type": "object", "additionalProperties": True})
class DraftPayloadField(serializers.JSONField):
    """A JSON object checked by DraftPayloadSerializer and kept exactly as sent."""

    default_error_messages = {"not_an_object": "Must be a JSON object."}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("not_an_object")
        known = DraftPayloadSerializer(data=data)
        if not known.is_valid():
            raise serializers.ValidationError(known.errors)
        return data


class DraftInputSerializer(serializers.Serializer):
    payload = DraftPayloadField()


class DraftSerializer(serializers.ModelSerializer):
    updatedAt = serializers.DateTimeField(source="updated_at")
    payload = DraftPayloadField()

    class Meta:
        model = RuleDraft
        fields = ["payload", "updatedAt"]


class DraftEnvelopeSerializer(serializers.Serializer):
    draft = DraftSerializer(allow_null=True)
