"""Sign-in flows: sessions (and, with the OTP issue, codes)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import LoginSession, User
from accounts.tokens import hash_session_token, new_session_token
from communityrule.api.client_ip import client_ip


def create_session(*, user: User, request=None) -> tuple[LoginSession, str]:
    """Create a session for ``user``; return it with the raw cookie token.

    The raw token is returned once and never stored.
    """
    token = new_session_token()
    now = timezone.now()
    session = LoginSession.objects.create(
        user=user,
        token_hash=hash_session_token(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(days=settings.AUTH_SESSION_DAYS),
        ip=(client_ip(request) or None) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:512] if request is not None else ""),
    )
    return session, token


def set_session_cookie(response, token: str) -> None:
    response.set_cookie(
        settings.AUTH_COOKIE_NAME,
        token,
        max_age=settings.AUTH_SESSION_DAYS * 24 * 3600,
        path="/",
        secure=settings.AUTH_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
