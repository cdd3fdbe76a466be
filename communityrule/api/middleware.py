"""API middleware: request ids and access log, body guards, cross-origin protection (SPEC §4)."""

import contextvars
import logging
import re
import time
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponseBadRequest
from django.utils.functional import empty

from communityrule.api import errors

access_logger = logging.getLogger("communityrule.access")

request_id_var = contextvars.ContextVar("request_id", default="-")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` to every log record emitted while a request runs."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def _user_id(request):
    # Never force a lazy user (that would cost a query just to log it).
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return str(user.pk) if getattr(user, "is_authenticated", False) else None


class RequestIdMiddleware:
    """Echoes a well-formed ``X-Request-ID`` (or makes one) and logs one access line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            access_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "user_id": _user_id(request),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())


def _view_media_types(view_func):
    view_class = getattr(view_func, "cls", None)
    parsers = getattr(view_class, "parser_classes", None)
    if parsers is None:
        return ("application/json",)
    return tuple(parser.media_type for parser in parsers)


def _drf_view_lacks_method(view_func, method: str) -> bool:
    """True when a DRF view has no handler for ``method`` (DRF then answers 405, not 415)."""
    view_class = getattr(view_func, "cls", None)
    if view_class is None:
        return False
    actions = getattr(view_func, "actions", None)
    if actions is not None:
        return method.lower() not in actions
    return not hasattr(view_class, method.lower())


class ApiGuardMiddleware:
    """Guards every ``/api`` request and keeps its failures JSON.

    - 413 before reading a body whose Content-Length exceeds the limit;
    - 411 for a chunked body without Content-Length (Django would read it as empty);
    - 415 for a body that is not of a media type the view parses (DRF alone
      would silently ignore a body sent without any Content-Type);
    - 503 ``database_unavailable`` for database connection failures;
    - any non-JSON error response (Django's 404/405/500 pages) becomes JSON.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not errors.is_api_path(request):
            if _has_nul(request.GET):  # e.g. an admin changelist filter: DataError, 500
                return HttpResponseBadRequest("Query parameters must not contain NUL.")
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.API_MAX_BODY_BYTES:
            return errors.api_error_response(errors.PayloadTooLarge())
        if "CONTENT_LENGTH" not in request.META and request.META.get("HTTP_TRANSFER_ENCODING"):
            return errors.api_error_response(errors.LengthRequired())
        if _has_nul(request.GET):
            # PostgreSQL cannot store NUL; a filter on it would raise DataError (500).
            return errors.api_error_response(
                errors.ValidationFailed("Query parameters must not contain the NUL character.")
            )
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            error = errors.STATUS_CODES.get(response.status_code, errors.InternalError)
            replacement = errors.error_response(
                response.status_code, error.default_code, error.default_detail
            )
            for header in ("Allow", "Retry-After"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not errors.is_api_path(request) or request.method not in UNSAFE_METHODS:
            return None
        has_body = int(request.META.get("CONTENT_LENGTH") or 0) > 0 or bool(
            request.META.get("HTTP_TRANSFER_ENCODING")
        )
        if _drf_view_lacks_method(view_func, request.method):
            return None
        if has_body and request.content_type not in _view_media_types(view_func):
            return errors.api_error_response(errors.UnsupportedMediaType())
        return None

    def process_exception(self, request, exception):
        if not errors.is_api_path(request):
            return None
        if isinstance(exception, (OperationalError, InterfaceError)):
            return errors.api_error_response(errors.to_api_error(exception))
        errors.logger.exception("unhandled error", exc_info=exception)
        return errors.api_error_response(errors.InternalError())


class CrossOriginProtectionMiddleware:
    """Refuses cross-origin unsafe requests, by the rule of Go's CrossOriginProtection.

    An ``Origin`` listed in CSRF_TRUSTED_ORIGINS or CORS_ALLOWED_ORIGINS passes.
    Otherwise the request is refused when ``Sec-Fetch-Site`` is present and
    neither ``same-origin`` nor ``none``; or, without it, when ``Origin`` is
    present and its host differs from ``Host``. Requests with neither header
    (curl, servers) pass.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = frozenset(
            origin.rstrip("/") for origin in settings.CSRF_TRUSTED_ORIGINS + settings.CORS_ALLOWED_ORIGINS
        )

    def __call__(self, request):
        if (
            request.method in UNSAFE_METHODS
            and errors.is_api_path(request)
            and self.is_cross_origin(request)
        ):
            return errors.api_error_response(errors.CrossOriginRejected())
        return self.get_response(request)

    def is_cross_origin(self, request) -> bool:
        origin = request.META.get("HTTP_ORIGIN")
        if origin is not None and origin.rstrip("/") in self.trusted:
            return False
        fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
        if fetch_site is not None:
            return fetch_site not in ("same-origin", "none")
        if origin is None:
            return False
        return urlsplit(origin).netloc.lower() != _raw_host(request).lower()


def _raw_host(request) -> str:
    """The request's Host as the client sent it (Go compares Origin to ``r.Host``).

    Unlike ``request.get_host()`` this neither validates ALLOWED_HOSTS (Django
    does that later) nor raises; without a Host header it falls back to the
    server name and non-default port, as WSGI defines.
    """
    host = request.META.get("HTTP_HOST")
    if host:
        return host
    host = request.META.get("SERVER_NAME", "")
    port = str(request.META.get("SERVER_PORT", ""))
    if port and port != ("443" if request.is_secure() else "80"):
        host = f"{host}:{port}"
    return host
