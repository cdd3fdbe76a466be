"""``/api/templates`` (SPEC §5): the published starter templates."""

import hashlib
from http import HTTPStatus

from django.utils.http import parse_etags
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from templates_app.models import RuleTemplate
from templates_app.serializers import TemplateEnvelopeSerializer, TemplateListSerializer


def etag_of(data) -> str:
    """A strong ETag of the response body: any staff edit that shows changes it."""
    digest = hashlib.sha256(JSONRenderer().render(data)).hexdigest()
    return f'"{digest[:32]}"'


def matches(if_none_match: str, etag: str) -> bool:
    # Weak comparison (RFC 9110 §13.1.2), as for GET.
    tags = {tag.removeprefix("W/") for tag in parse_etags(if_none_match)}
    return "*" in tags or etag in tags


class TemplateViewSet(viewsets.GenericViewSet):
    # Public and cookie-blind: SPEC §8 allows GET /api/templates one query.
    authentication_classes = []
    permission_classes = []
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def get_queryset(self):
        queryset = RuleTemplate.objects.published().in_catalog_order()
        category = self.request.query_params.get("category")
        if self.action == "list" and category:
            queryset = queryset.filter(category=category)
        return queryset

    @extend_schema(
        operation_id="templates_list",
        parameters=[OpenApiParameter("category", str, description="Only this category.")],
        responses={200: TemplateListSerializer, 304: None},
        description="Served with an ETag; a matching If-None-Match gets 304.",
        auth=[],
    )
    def list(self, request):
        data = TemplateListSerializer({"templates": self.get_queryset()}).data
        etag = etag_of(data)
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if matches(request.headers.get("If-None-Match", ""), etag):
            return Response(status=HTTPStatus.NOT_MODIFIED, headers=headers)
        return Response(data, headers=headers)

    @extend_schema(operation_id="templates_read", responses={200: TemplateEnvelopeSerializer}, auth=[])
    def retrieve(self, request, slug=None):
        return Response(TemplateEnvelopeSerializer({"template": self.get_object()}).data)
