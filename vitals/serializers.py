"""Input and output shapes of ``/api/web-vitals`` (SPEC §5)."""

import math
from datetime import UTC, datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communityrule.api.fields import StrictCharField
from vitals.models import Metric, Rating

MAX_BATCH = 50
MAX_VALUE = 600_000
MAX_URL = 2048
MAX_USER_AGENT = 1024
MAX_EVENT_ID = 128
MAX_NAVIGATION_TYPE = 32


@extend_schema_field(
    {
        "type": "string",
        "description": "LCP, INP, CLS, FCP, TTFB or FID, any case.",
        "example": "LCP",
    }
)
class MetricNameField(serializers.Field):
    """One of LCP, INP, CLS, FCP, TTFB, FID, any case; normalised to upper case."""

    default_error_messages = {
        "invalid": f"Must be one of {', '.join(Metric.values)}.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or data.strip().upper() not in Metric.values:
            self.fail("invalid")
        return data.strip().upper()

    def to_representation(self, value):
        return value


@extend_schema_field({"type": "number", "minimum": 0, "maximum": MAX_VALUE})
class MetricValueField(serializers.Field):
    """A finite JSON number (never a bool or a numeric string), 0 ≤ value ≤ 600000."""

    default_error_messages = {
        "invalid": "Must be a number.",
        "range": f"Must be a finite number from 0 to {MAX_VALUE}.",
    }

    def to_internal_value(self, data):
        # bool is an int subclass; "2400" is a string. Neither is a measurement.
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        # Compare before float(): a huge JSON integer would overflow it.
        if isinstance(data, float) and not math.isfinite(data):
            self.fail("range")
        if not 0 <= data <= MAX_VALUE:
            self.fail("range")
        return float(data)

    def to_representation(self, value):
        return value


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "format": "date-time"}, {"type": "number"}],
        "nullable": True,
        "description": "ISO 8601, or epoch milliseconds.",
    }
)
class PageTimestampField(serializers.DateTimeField):
    """The page's own clock: an ISO 8601 string or epoch milliseconds (``Date.now()``)."""

    def to_internal_value(self, value):
        if isinstance(value, bool):
            self.fail("invalid", format="ISO 8601 or epoch milliseconds")
        if isinstance(value, (int, float)):
            try:
                return datetime.fromtimestamp(value / 1000, tz=UTC)
            except (OverflowError, OSError, ValueError):
                self.fail("invalid", format="ISO 8601 or epoch milliseconds")
        return super().to_internal_value(value)


def _optional_text(max_length: int, **kwargs) -> StrictCharField:
    return StrictCharField(
        max_length=max_length,
        trim_whitespace=True,
        required=False,
        allow_blank=True,
        allow_null=True,
        default="",
        **kwargs,
    )


class _EventContextSerializer(serializers.Serializer):
    """Optional fields either shape may carry; absent or null text becomes ""."""

    url = _optional_text(MAX_URL)
    userAgent = _optional_text(MAX_USER_AGENT, source="user_agent")
    timestamp = PageTimestampField(
        source="page_timestamp", required=False, allow_null=True, default=None
    )
    id = _optional_text(MAX_EVENT_ID, source="event_id")
    navigationType = _optional_text(MAX_NAVIGATION_TYPE, source="navigation_type")

    def validate(self, attrs):
        text = ("url", "user_agent", "event_id", "navigation_type")
        return {key: "" if key in text and value is None else value for key, value in attrs.items()}


class VitalDataSerializer(serializers.Serializer):
    value = MetricValueField()
    rating = serializers.ChoiceField(choices=Rating.values)


class SpaEventInputSerializer(_EventContextSerializer):
    """The SPA's reporter.

    ``{"metric", "data": {"value", "rating"}, "url", "userAgent", "timestamp"}``
    """

    metric = MetricNameField()
    data = VitalDataSerializer()

    def validate(self, attrs):
        data = attrs.pop("data")
        return {**super().validate(attrs), "value": data["value"], "rating": data["rating"]}


class LibraryEventInputSerializer(_EventContextSerializer):
    """The web-vitals library's own object.

    ``{"name", "value", "rating", "id", "navigationType"}`` (other keys, such
    as ``delta`` and ``entries``, are ignored).
    """

    name = MetricNameField(source="metric")
    value = MetricValueField()
    rating = serializers.ChoiceField(choices=Rating.values)


class WebVitalEventInputSerializer(serializers.Serializer):
    """One event in either shape, told apart by its ``metric`` or ``name`` key.

    Validated data is always ``metric, value, rating, url, user_agent,
    navigation_type, event_id, page_timestamp``. Use with ``many=True`` (and
    ``min_length=1, max_length=MAX_BATCH``) for a batch.
    """

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": ["Each event must be a JSON object."]}
            )
        shape = SpaEventInputSerializer if "metric" in data else LibraryEventInputSerializer
        serializer = shape(data=data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


def event_serializer(payload) -> WebVitalEventInputSerializer:
    """The input serializer for a body holding one event or an array of 1-50."""
    if isinstance(payload, list):
        return WebVitalEventInputSerializer(
            data=payload, many=True, allow_empty=False, min_length=1, max_length=MAX_BATCH
        )
    return WebVitalEventInputSerializer(data=payload)


class WebVitalsSummaryQuerySerializer(serializers.Serializer):
    """``?days=`` — a whole number of days, 1-365; absent means 7, anything else is refused."""

    days = serializers.IntegerField(min_value=1, max_value=365, default=7)


class MetricSummarySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    average = serializers.FloatField()
    p75 = serializers.FloatField()
    min = serializers.FloatField()
    max = serializers.FloatField()
    goodCount = serializers.IntegerField(source="good_count")
    needsImprovementCount = serializers.IntegerField(source="needs_improvement_count")
    poorCount = serializers.IntegerField(source="poor_count")
    lastUpdated = serializers.DateTimeField(source="last_updated")


class WebVitalsSummarySerializer(serializers.Serializer):
    storage = serializers.ChoiceField(choices=["log", "db", "off"])
    metrics = serializers.DictField(child=MetricSummarySerializer())


class SuccessSerializer(serializers.Serializer):
    success = serializers.BooleanField()
