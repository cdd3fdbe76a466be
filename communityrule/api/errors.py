"""One error path for the whole API (SPEC §4).

Every failure under ``/api`` is rendered by :func:`error_response` as
``{"error": {"code", "message"}, "details"?}`` — DRF exceptions through
:func:`exception_handler`, Django's 404/500 through :func:`handler404` /
:func:`handler500`, and the middleware's own refusals.
"""

import logging
from http import HTTPStatus

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions as drf

logger = logging.getLogger("communityrule.api")


class ApiError(drf.APIException):
    """An API failure with a SPEC §4 code; ``headers`` are added to the response."""

    status_code = HTTPStatus.BAD_REQUEST
    default_code = "bad_request"
    default_detail = "Bad request."

    def __init__(self, message=None, *, details=None, headers=None):
        self.message = message or self.default_detail
        self.details = details
        self.headers = headers or {}
        super().__init__(self.message, self.default_code)


class InvalidJson(ApiError):
    default_code = "invalid_json"
    default_detail = "Request body is not valid JSON."


class ValidationFailed(ApiError):
    default_code = "validation_error"
    default_detail = "Request validation failed."


class InvalidEmail(ApiError):
    default_code = "invalid_email"
    default_detail = "A valid email address is required."


class InvalidCode(ApiError):
    default_code = "invalid_code"
    default_detail = "The code is invalid or has expired."


class TooManyAttempts(ApiError):
    status_code = HTTPStatus.TOO_MANY_REQUESTS
    default_code = "too_many_attempts"
    default_detail = "Too many attempts. Request a new code later."


class RateLimited(ApiError):
    status_code = HTTPStatus.TOO_MANY_REQUESTS
    default_code = "rate_limited"
    default_detail = "Too many requests. Try again later."

    def __init__(self, retry_after: float, message=None):
        seconds = max(1, int(-(-retry_after // 1)))  # whole seconds, rounded up
        super().__init__(
            message,
            headers={"Retry-After": str(seconds)},
        )
        self.retry_after_ms = max(1, int(retry_after * 1000))


class Unauthorized(ApiError):
    status_code = HTTPStatus.UNAUTHORIZED
    default_code = "unauthorized"
    default_detail = "Sign in required."


class Forbidden(ApiError):
    status_code = HTTPStatus.FORBIDDEN
    default_code = "forbidden"
    default_detail = "You do not have permission to do this."


class NotFound(ApiError):
    status_code = HTTPStatus.NOT_FOUND
    default_code = "not_found"
    default_detail = "Not found."


class MethodNotAllowed(ApiError):
    status_code = HTTPStatus.METHOD_NOT_ALLOWED
    default_code = "method_not_allowed"
    default_detail = "Method not allowed."


class UnsupportedMediaType(ApiError):
    status_code = HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    default_code = "unsupported_media_type"
    default_detail = "Request body must be JSON (Content-Type: application/json)."


class PayloadTooLarge(ApiError):
    status_code = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "Request body is too large."


class LengthRequired(ApiError):
    # Not in SPEC §4's list: Django under WSGI reads no body without
    # Content-Length, so a chunked body would silently arrive empty.
    status_code = HTTPStatus.LENGTH_REQUIRED
    default_code = "length_required"
    default_detail = "Request bodies must be sent with a Content-Length header."


class CrossOriginRejected(ApiError):
    status_code = HTTPStatus.FORBIDDEN
    default_code = "cross_origin_rejected"
    default_detail = "Cross-origin request rejected."


class EmailSendFailed(ApiError):
    status_code = HTTPStatus.BAD_GATEWAY
    default_code = "email_send_failed"
    default_detail = "The sign-in email could not be sent. Try again."


class ServiceUnavailable(ApiError):
    status_code = HTTPStatus.SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = "Service temporarily unavailable. Try again shortly."


class DatabaseUnavailable(ApiError):
    status_code = HTTPStatus.SERVICE_UNAVAILABLE
    default_code = "database_unavailable"
    default_detail = "The database is unavailable. Try again shortly."


class InternalError(ApiError):
    status_code = HTTPStatus.INTERNAL_SERVER_ERROR
    default_code = "internal_error"
    default_detail = "Internal server error."


# Codes for statuses reached without an ApiError (Django or DRF built-ins).
STATUS_CODES = {
    400: ValidationFailed,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    411: LengthRequired,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    429: RateLimited,
    500: InternalError,
    502: EmailSendFailed,
    503: ServiceUnavailable,
}


def error_response(status, code, message, *, details=None, headers=None, body_extra=None):
    """The one renderer of API errors."""
    body = {"error": {"code": code, "message": message}}
    if details:
        body["details"] = details
    if body_extra:
        body.update(body_extra)
    response = JsonResponse(body, status=int(status))
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def api_error_response(exc: ApiError):
    extra = None
    if isinstance(exc, RateLimited):
        extra = {"retryAfterMs": exc.retry_after_ms}
    return error_response(
        exc.status_code,
        exc.default_code,
        exc.message,
        details=exc.details,
        headers=exc.headers,
        body_extra=extra,
    )


def _field_details(detail):
    """Flatten DRF's ValidationError detail into ``{"field": ["message", ...]}``."""
    if isinstance(detail, dict):
        flat = {}
        for key, value in detail.items():
            nested = _field_details(value)
            if isinstance(nested, dict):
                for sub, messages in nested.items():
                    flat[f"{key}.{sub}" if sub != "non_field_errors" else key] = messages
            else:
                flat[key] = nested
        return flat
    if isinstance(detail, list):
        if any(isinstance(item, (dict, list)) for item in detail):
            flat = {}
            for index, item in enumerate(detail):
                nested = _field_details(item)
                if isinstance(nested, dict):
                    for sub, messages in nested.items():
                        flat[f"{index}.{sub}"] = messages
                elif nested:
                    flat[str(index)] = nested
            return flat
        return [str(item) for item in detail]
    return [str(detail)]


def to_api_error(exc):
    """Map DRF's, Django's and the database's exceptions onto our classes."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, drf.ValidationError):
        details = _field_details(exc.detail)
        if not isinstance(details, dict):
            details = {"non_field_errors": details}
        return ValidationFailed("Request validation failed.", details=details)
    if isinstance(exc, drf.ParseError):
        return InvalidJson(str(exc.detail))
    if isinstance(exc, drf.UnsupportedMediaType):
        return UnsupportedMediaType()
    if isinstance(exc, drf.MethodNotAllowed):
        return MethodNotAllowed(str(exc.detail))
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        return Unauthorized()
    if isinstance(exc, (drf.PermissionDenied, PermissionDenied)):
        return Forbidden()
    if isinstance(exc, (drf.NotFound, Http404)):
        return NotFound()
    if isinstance(exc, drf.Throttled):
        return RateLimited(exc.wait or 1)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable: %s", exc)
        return DatabaseUnavailable()
    if isinstance(exc, drf.APIException):
        cls = STATUS_CODES.get(exc.status_code, InternalError)
        return cls(str(exc.detail))
    return None


def exception_handler(exc, context):
    """DRF ``EXCEPTION_HANDLER``: every exception becomes a SPEC §4 error body."""
    error = to_api_error(exc)
    if error is None:
        if isinstance(exc, DatabaseError):
            logger.exception("database error")
        else:
            logger.exception("unhandled error in API view")
        error = InternalError()
    response = api_error_response(error)
    if isinstance(exc, drf.MethodNotAllowed):
        view = context.get("view")
        if view is not None:
            response["Allow"] = ", ".join(view.allowed_methods)
    return response


def is_api_path(request) -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def handler404(request, exception=None):
    if is_api_path(request):
        return api_error_response(NotFound())
    return defaults.page_not_found(request, exception)


def handler500(request):
    if is_api_path(request):
        return api_error_response(InternalError())
    return defaults.server_error(request)
