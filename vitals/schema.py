"""OpenAPI description of the ``POST /api/web-vitals`` body (drf-spectacular)."""

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from vitals.serializers import MAX_BATCH, LibraryEventInputSerializer, SpaEventInputSerializer


class WebVitalsBodySerializer(serializers.Serializer):
    """Schema only: one event in either shape, or an array of 1-50 of them.

    The view validates with :func:`vitals.serializers.event_serializer`.
    """


class WebVitalsBodyExtension(OpenApiSerializerExtension):
    target_class = WebVitalsBodySerializer

    def map_serializer(self, auto_schema, direction):
        # anyOf: an object carrying both shapes' keys is valid (its metric key wins).
        event = {
            "anyOf": [
                auto_schema.resolve_serializer(shape, direction).ref
                for shape in (SpaEventInputSerializer, LibraryEventInputSerializer)
            ]
        }
        batch = {"type": "array", "items": event, "minItems": 1, "maxItems": MAX_BATCH}
        return {"oneOf": [event, batch]}
