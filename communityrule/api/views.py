"""Project-level API views: health and the API description."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

logger = logging.getLogger(__name__)

HealthSerializer = inline_serializer(
    "Health",
    fields={
        "ok": serializers.BooleanField(),
        "database": serializers.ChoiceField(["connected", "error"]),
        "cache": serializers.ChoiceField(
            ["connected", "error"], required=False, help_text="Only when REDIS_URL is set."
        ),
    },
)


@extend_schema(
    operation_id="health",
    responses={200: HealthSerializer, 503: HealthSerializer},
    description="Database (and cache, with REDIS_URL) reachability. Cheap, writes nothing, "
    "never rate limited; HEAD works too. 503 with the same shape when something is down.",
    auth=[],
)
@api_view(["GET", "HEAD"])
@authentication_classes([])
@permission_classes([])
def health(request):
    body = {"ok": True, "database": "connected"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("health: database unreachable")
        body.update(ok=False, database="error")
    if settings.REDIS_URL:
        try:
            cache.get("health-probe")
            body["cache"] = "connected"
        except Exception:  # redis.ConnectionError, TimeoutError, ...
            logger.warning("health: cache unreachable")
            body.update(ok=False, cache="error")
    return Response(body, status=200 if body["ok"] else 503)


class SchemaView(SpectacularAPIView):
    """``GET /api/schema``: OpenAPI 3 as JSON, or YAML with ``?format=yaml``."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]
    # The API's JSON-only negotiation would ignore ?format=yaml.
    content_negotiation_class = DefaultContentNegotiation
    authentication_classes = []


class DocsView(SpectacularSwaggerView):
    """``GET /api/docs``: Swagger UI from the app's own static files (sidecar), no CDN."""

    authentication_classes = []
