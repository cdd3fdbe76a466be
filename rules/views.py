"""``/api/rules`` (SPEC §5): the public list and detail, publishing, and the caller's own rules."""

from http import HTTPStatus

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from communityrule.api.schema import errors
from rules import services
from rules.models import PublishedRule
from rules.pagination import page, parse_limit
from rules.serializers import (
    OwnRulesSerializer,
    RuleCreatedEnvelopeSerializer,
    RuleEnvelopeSerializer,
    RuleInputSerializer,
    RulePageSerializer,
    own_rules,
    rule_page,
)


class RuleViewSet(viewsets.GenericViewSet):
    # Anything that is not a UUID is not a rule: the resolver answers 404 not_found.
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"

    def get_queryset(self):
        return PublishedRule.objects.visible().newest_first()

    def get_permissions(self):
        if self.action in ("create", "me"):
            return [IsAuthenticated()]
        return []

    @extend_schema(
        operation_id="rules_list",
        parameters=[
            # Lenient by contract: anything that is not a whole number >= 1 means 50.
            OpenApiParameter(
                "limit",
                str,
                description="Page size: a whole number 1-100 (larger is capped at 100); "
                "anything else (missing, 0, negative, non-numeric) means 50.",
                examples=[OpenApiExample("page of 20", value="20")],
            ),
            OpenApiParameter("cursor", str, description="nextCursor of the previous page."),
        ],
        responses={
            200: RulePageSerializer,
            **errors(s400="validation_error: a malformed cursor."),
        },
        auth=[],
    )
    def list(self, request):
        rules, next_cursor = page(
            self.get_queryset().defer("document"),
            limit=parse_limit(request.query_params.get("limit")),
            cursor=request.query_params.get("cursor"),
        )
        # Built by hand; RulePageSerializer describes the same shape in the schema.
        return Response(rule_page(rules, next_cursor=next_cursor))

    @extend_schema(
        operation_id="rules_publish",
        request=RuleInputSerializer,
        responses={201: RuleCreatedEnvelopeSerializer},
    )
    def create(self, request):
        serializer = RuleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = services.publish_rule(owner=request.user, **serializer.validated_data)
        return Response(RuleCreatedEnvelopeSerializer({"rule": rule}).data, status=HTTPStatus.CREATED)

    @extend_schema(operation_id="rules_read", responses={200: RuleEnvelopeSerializer}, auth=[])
    def retrieve(self, request, pk=None):
        return Response(RuleEnvelopeSerializer({"rule": self.get_object()}).data)

    @extend_schema(operation_id="rules_mine", responses={200: OwnRulesSerializer})
    @action(detail=False, methods=["get"], url_path="me")
    def me(self, request):
        rules = PublishedRule.objects.owned_by(request.user).newest_first().defer("document")
        return Response(own_rules(rules))
