from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from communityrule.api.client_ip import client_ip
from communityrule.api.parsers import PlainTextJSONParser, StrictJSONParser, parse_json_bytes
from communityrule.api.ratelimit import enforce
from communityrule.api.schema import errors
from vitals import services
from vitals.schema import WebVitalsBodySerializer
from vitals.serializers import (
    SuccessSerializer,
    WebVitalsSummaryQuerySerializer,
    WebVitalsSummarySerializer,
    event_serializer,
)

# SPEC §5: a web-vitals body is at most 64 KiB (the API-wide cap is 512 KiB).
MAX_BODY_BYTES = 65536


class WebVitalsView(APIView):
    """``POST`` (public) ingests events; ``GET`` (staff) summarises stored ones."""

    # text/plain is what navigator.sendBeacon sends.
    parser_classes = [StrictJSONParser, PlainTextJSONParser]

    def is_ingest(self) -> bool:
        # self.request is the HttpRequest here (set by View.setup); schema
        # generation calls these hooks before there is one.
        return getattr(self.request, "method", None) == "POST"

    def get_authenticators(self):
        # SPEC §8: ingest costs no query in log mode, so it never looks up a session.
        return [] if self.is_ingest() else super().get_authenticators()

    def get_permissions(self):
        return [] if self.is_ingest() else [IsAdminUser()]

    @extend_schema(
        operation_id="web_vitals_ingest",
        request={
            "application/json": WebVitalsBodySerializer,
            "text/plain": WebVitalsBodySerializer,
        },
        responses={
            200: SuccessSerializer,
            **errors(429, s413="payload_too_large: body over 64 KiB."),
        },
        description=(
            "Public. One event or an array of 1-50 events (either shape, mixed), as "
            "application/json or text/plain (navigator.sendBeacon); at most 64 KiB. "
            "Any invalid event rejects the whole body. Rate limited per IP."
        ),
        auth=[],
    )
    def post(self, request):
        enforce(request, "vitals_ip", key=client_ip(request))
        # The middleware already capped the body at 512 KiB; this route allows 64.
        payload = parse_json_bytes(request.body, max_bytes=MAX_BODY_BYTES)
        serializer = event_serializer(payload)
        serializer.is_valid(raise_exception=True)
        events = serializer.validated_data
        services.ingest_events(events=events if isinstance(events, list) else [events])
        return Response(SuccessSerializer({"success": True}).data)

    @extend_schema(
        operation_id="web_vitals_summary",
        parameters=[
            OpenApiParameter(
                "days",
                # "?days=" (empty) means the default, like an absent parameter.
                {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 365}, {"enum": [""]}]},
                description="Window in days, 1-365 (default 7; empty means the default).",
            )
        ],
        responses={
            200: WebVitalsSummarySerializer,
            **errors(
                s400="validation_error: days is not a whole number from 1 to 365.",
                s403="forbidden: signed in, but not staff.",
            ),
        },
        description=(
            "Staff only. Per metric over the window: count, average, p75 "
            "(percentile_cont), min, max, rating split, last update. "
            "`metrics` is {} unless VITALS_STORAGE is db. Invalid `days` answers 400."
        ),
    )
    def get(self, request):
        query = WebVitalsSummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        storage = settings.VITALS_STORAGE
        metrics = services.summarise(days=query.validated_data["days"]) if storage == "db" else {}
        return Response(WebVitalsSummarySerializer({"storage": storage, "metrics": metrics}).data)
