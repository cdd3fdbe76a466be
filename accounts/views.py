"""Sign-in routes (SPEC §5): request a code, verify it, read the session, log out."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.serializers import (
    OkSerializer,
    OtpRequestInputSerializer,
    OtpVerifyInputSerializer,
    SessionSerializer,
    SignedInSerializer,
)
from communityrule.api.client_ip import client_ip
from communityrule.api.schema import errors
from communityrule.api.ratelimit import enforce


class OtpRequestView(APIView):
    """``POST /api/auth/otp/request``: email a sign-in code."""

    authentication_classes = []

    @extend_schema(
        operation_id="auth_otp_request",
        request=OtpRequestInputSerializer,
        responses={
            200: OkSerializer,
            **errors(
                429,
                s400="invalid_email (trimmed, lowercased, at most 254 characters), or "
                "invalid_json / validation_error for a malformed body.",
                s502="email_send_failed: the code could not be sent; nothing is kept.",
                s503="service_unavailable: the rate-limit store (Redis) is down; nothing "
                "is sent. database_unavailable: PostgreSQL is down.",
            ),
        },
        description=(
            "Emails a 6-digit code valid 10 minutes. One request per email per 60 s and "
            "per client IP per 20 s (429 with Retry-After); 503 when the rate-limit store "
            "is down; 502 when the email cannot be sent. Same answer whether or not an "
            "account exists."
        ),
        auth=[],
    )
    def post(self, request):
        serializer = OtpRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Counted before anything is written or sent; Redis down -> 503 here.
        enforce(request, "otp_request_ip", key=client_ip(request))
        services.request_code(email=serializer.validated_data["email"])
        return Response(OkSerializer({"ok": True}).data)


class OtpVerifyView(APIView):
    """``POST /api/auth/otp/verify``: exchange a code for a session cookie."""

    # The cookie is read only to revoke the session it names; no lookup needed.
    authentication_classes = []

    @extend_schema(
        operation_id="auth_otp_verify",
        request=OtpVerifyInputSerializer,
        responses={
            200: SignedInSerializer,
            **errors(
                s400="validation_error (valid email and 6-digit code required), "
                "invalid_code (no live challenge, or a wrong code), or invalid_json.",
                s403="forbidden: the account is deactivated. cross_origin_rejected: an "
                "unsafe request from another origin.",
                s429="too_many_attempts (5 wrong codes for this code, or 10 failures for "
                "this email within an hour), or rate_limited (per client IP) with "
                "Retry-After.",
            ),
        },
        description=(
            "Signs in and sets the cr_session cookie. 400 invalid_code for a missing, "
            "expired or wrong code; 429 too_many_attempts after 5 wrong codes for one "
            "challenge or 10 per email per hour; 403 for a deactivated account."
        ),
        auth=[],
    )
    def post(self, request):
        serializer = OtpVerifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enforce(request, "otp_verify_ip", key=client_ip(request))
        session, token = services.verify_code(**serializer.validated_data, request=request)
        response = Response(SignedInSerializer({"ok": True, "user": session.user}).data)
        services.set_session_cookie(response, token)
        return response


class AuthSessionView(APIView):
    """``GET /api/auth/session``: the signed-in user or null; never 401."""

    @extend_schema(operation_id="auth_session", responses={200: SessionSerializer})
    def get(self, request):
        user = request.user if request.user.is_authenticated else None
        return Response(SessionSerializer({"user": user}).data)


class LogoutView(APIView):
    """``POST /api/auth/logout``: end the cookie's session; idempotent."""

    authentication_classes = []

    @extend_schema(operation_id="auth_logout", request=None, responses={200: OkSerializer}, auth=[])
    def post(self, request):
        services.revoke_session(token=request.COOKIES.get(settings.AUTH_COOKIE_NAME))
        response = Response(OkSerializer({"ok": True}).data)
        services.clear_session_cookie(response)
        return response
