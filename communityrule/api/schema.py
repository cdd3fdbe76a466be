"""The OpenAPI description of the API (SPEC §5 "API description").

Views describe their success bodies with ``extend_schema`` and the failures
particular to them with :func:`errors`. :func:`add_common_responses`, a
drf-spectacular postprocessing hook, then adds what the shared plumbing
(``communityrule.api``) can answer on any route, so no view repeats it:

- every operation: 500 ``internal_error``, 503 ``database_unavailable``, and
  400 ``validation_error`` (a NUL in the query string is refused everywhere);
- operations that need a session: 401 ``unauthorized``;
- operations with a path parameter: 404 ``not_found``;
- unsafe methods: 403 ``cross_origin_rejected``, 411, 413 and 415, and 400
  also ``invalid_json`` when they take a body;
- every response: the ``X-Request-ID`` header; every 429: ``Retry-After``.
"""

from http import HTTPStatus

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from communityrule.api.middleware import UNSAFE_METHODS


# What each status means when the plumbing answers it; views may say more.
COMMON_ERRORS = {
    400: "invalid_json (malformed or unsafe JSON) or validation_error (field errors in details).",
    "400-query": "validation_error: a query parameter is malformed or contains NUL.",
    401: "unauthorized: no valid cr_session cookie.",
    403: "cross_origin_rejected: an unsafe request from another origin.",
    404: "not_found.",
    411: "length_required: a body without Content-Length.",
    413: "payload_too_large: body over 512 KiB.",
    415: "unsupported_media_type: the body is not JSON.",
    429: "rate_limited, with Retry-After (seconds) and retryAfterMs.",
    500: "internal_error.",
    503: "database_unavailable: PostgreSQL is unreachable; retry later.",
}


class ErrorSerializer(serializers.Serializer):
    """``{"error": {"code", "message"}, "details"?}`` (SPEC §4); the ``Error`` component."""

    error = inline_serializer(
        "ErrorBody",
        fields={
            "code": serializers.CharField(help_text="snake_case, e.g. validation_error"),
            "message": serializers.CharField(help_text="Human-readable text."),
        },
    )
    details = serializers.DictField(
        required=False, help_text="Field errors: field path -> list of messages."
    )


class RateLimitedErrorSerializer(ErrorSerializer):
    """A 429's body; the ``RateLimitedError`` component."""

    retryAfterMs = serializers.IntegerField(required=False, help_text="Milliseconds to wait.")


def errors(*statuses, **descriptions):
    """``extend_schema`` responses for error statuses: ``errors(400, 429, s502="...")``.

    ``descriptions`` are keyed ``s<status>`` and replace the common text.
    """
    statuses = set(statuses) | {int(key.removeprefix("s")) for key in descriptions}
    responses = {}
    for status in sorted(statuses):
        text = descriptions.get(f"s{status}") or COMMON_ERRORS.get(status) or HTTPStatus(status).phrase
        serializer = RateLimitedErrorSerializer if status == 429 else ErrorSerializer
        responses[status] = OpenApiResponse(serializer, description=text)
    return responses


def _error_response(description):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _requires_session(operation) -> bool:
    security = operation.get("security")
    return bool(security) and {} not in security


def add_common_responses(result, generator, request, public):
    """drf-spectacular POSTPROCESSING_HOOKS entry; see the module docstring."""
    for path, methods in result["paths"].items():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            common = [400, 500, 503]
            if _requires_session(operation):
                common.append(401)
            if "{" in path:
                common.append(404)
            if method.upper() in UNSAFE_METHODS:
                common += [403, 411, 413, 415]
            for status in common:
                key = "400-query" if status == 400 and "requestBody" not in operation else status
                responses.setdefault(str(status), _error_response(COMMON_ERRORS[key]))
            for status, response in responses.items():
                headers = response.setdefault("headers", {})
                headers["X-Request-ID"] = {"$ref": "#/components/headers/X-Request-ID"}
                if status == "429":
                    headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
            operation["responses"] = dict(sorted(responses.items()))
    result["components"]["headers"] = {
        "X-Request-ID": {
            "description": "The request's X-Request-ID if it is 1-128 characters of "
            "[A-Za-z0-9._-], else a new one.",
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,128}$"},
            "required": True,
        },
        "Retry-After": {
            "description": "Whole seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 1},
            "required": True,
        },
    }
    return result
