"""DRF authentication by the ``cr_session`` cookie (SPEC §5)."""

import re
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication

from accounts.models import LoginSession
from accounts.tokens import MAX_TOKEN_LENGTH, hash_session_token

_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
LAST_SEEN_INTERVAL = timedelta(minutes=5)


def find_session(token: str | None):
    """The live session a cookie value names, with its user, in one query; or None.

    Absent, garbage, oversized, expired (absolute or idle), revoked and
    deactivated-user cookies all give None.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH or not _TOKEN.match(token):
        return None
    now = timezone.now()
    idle_cutoff = now - timedelta(days=settings.AUTH_SESSION_IDLE_DAYS)
    return (
        LoginSession.objects.select_related("user")
        .filter(
            token_hash=hash_session_token(token),
            expires_at__gt=now,
            last_seen_at__gt=idle_cutoff,
            user__is_active=True,
        )
        .first()
    )


def touch(session: LoginSession) -> None:
    """Record activity at most every 5 minutes, not per request (SPEC §5)."""
    now = timezone.now()
    if now - session.last_seen_at >= LAST_SEEN_INTERVAL:
        LoginSession.objects.filter(pk=session.pk).update(last_seen_at=now)
        session.last_seen_at = now


class SessionCookieAuthentication(BaseAuthentication):
    """Authenticates by the ``cr_session`` cookie; a missing or bad cookie is anonymous.

    ``request.user`` is the ``accounts.User`` and ``request.auth`` the ``LoginSession``.
    """

    def authenticate(self, request):
        session = find_session(request.COOKIES.get(settings.AUTH_COOKIE_NAME))
        if session is None:
            return None
        touch(session)
        return session.user, session

    def authenticate_header(self, request):
        # Without a value DRF would turn 401 into 403.
        return 'Cookie realm="api", cookie-name="cr_session"'
