"""Sign-in flows: one-time codes, sessions, deactivation (SPEC §5).

Every function owns its transaction. ``ATOMIC_REQUESTS`` is off on purpose: a
request transaction rolled back by a raised error would undo a recorded wrong
guess, so errors are raised only after the recording transaction committed.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.emails import send_otp_email
from accounts.models import LoginSession, OtpChallenge, OtpFailure, User
from accounts.tokens import (
    MAX_TOKEN_LENGTH,
    hash_otp_code,
    hash_session_token,
    new_otp_code,
    new_session_token,
    otp_code_matches,
)
from communityrule.api.client_ip import client_ip
from communityrule.api.errors import (
    EmailSendFailed,
    Forbidden,
    InvalidCode,
    RateLimited,
    TooManyAttempts,
)

logger = logging.getLogger(__name__)


# --- Sessions ------------------------------------------------------------------


def create_session(*, user: User, request=None) -> tuple[LoginSession, str]:
    """Create a session for ``user``; return it with the raw cookie token.

    The raw token is returned once and never stored: the row holds its keyed hash.
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
    """SPEC §5: ``cr_session``, HttpOnly, SameSite=Lax, Path=/, Secure per setting."""
    response.set_cookie(
        settings.AUTH_COOKIE_NAME,
        token,
        max_age=settings.AUTH_SESSION_DAYS * 24 * 3600,
        path="/",
        secure=settings.AUTH_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def clear_session_cookie(response) -> None:
    """Expire ``cr_session`` in the browser, with the same flags it was set with."""
    response.set_cookie(
        settings.AUTH_COOKIE_NAME,
        "",
        max_age=0,
        path="/",
        secure=settings.AUTH_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def revoke_session(*, token: str | None) -> int:
    """Delete the session a cookie value names, whatever its state; return 0 or 1.

    Idempotent: an absent, garbage or already revoked token deletes nothing.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return 0
    deleted, _ = LoginSession.objects.filter(token_hash=hash_session_token(token)).delete()
    return deleted


def revoke_sessions(*, sessions) -> int:
    """Delete the given sessions (a queryset); their cookies stop working at once."""
    deleted, _ = sessions.delete()
    return deleted


def deactivate_user(*, user: User) -> int:
    """Mark ``user`` inactive and end every session they have; return how many ended.

    Safe to call again on an inactive user (it then only ends stray sessions).
    """
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        deleted, _ = LoginSession.objects.filter(user_id=user.pk).delete()
    user.is_active = False
    return deleted


# --- One-time codes ------------------------------------------------------------

# SPEC §5: one code per email per 60 s, read from the challenge row so it holds
# across app instances without Redis. The upsert writes only when the existing
# row is old enough, so two concurrent requests cannot both pass.
_UPSERT_CHALLENGE = """
    INSERT INTO accounts_otpchallenge (id, email, code_hash, created_at, expires_at, attempts)
    VALUES (%s, %s, %s, %s, %s, 0)
    ON CONFLICT (email) DO UPDATE
        SET id = EXCLUDED.id,
            code_hash = EXCLUDED.code_hash,
            created_at = EXCLUDED.created_at,
            expires_at = EXCLUDED.expires_at,
            attempts = 0
        WHERE accounts_otpchallenge.created_at <= %s
    RETURNING id
"""


def request_code(*, email: str) -> None:
    """Replace ``email``'s challenge with a new code and email it.

    Guarantees: at most one code per email per OTP_EMAIL_INTERVAL_SECONDS, also
    under concurrency and across app instances (else ``RateLimited``); only a
    keyed hash of the code is stored; if sending fails the new challenge is
    deleted and ``EmailSendFailed`` raised. The same outcome whether or not an
    account exists. ``email`` must already be normalized.
    """
    now = timezone.now()
    interval = timedelta(seconds=settings.OTP_EMAIL_INTERVAL_SECONDS)
    code = new_otp_code()
    code_hash = hash_otp_code(email, code)
    challenge_id = uuid.uuid4()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _UPSERT_CHALLENGE,
            [
                challenge_id,
                email,
                code_hash,
                now,
                now + timedelta(seconds=settings.OTP_TTL_SECONDS),
                now - interval,
            ],
        )
        written = cursor.fetchone() is not None
    if not written:
        last = OtpChallenge.objects.filter(email=email).values_list("created_at", flat=True).first()
        wait = (last + interval - now).total_seconds() if last else 1
        raise RateLimited(max(wait, 1))
    # Sent outside the transaction: a slow SMTP server holds no lock.
    try:
        send_otp_email(email=email, code=code)
    except Exception:  # smtplib, socket and anymail errors alike
        logger.warning("sign-in code email to a recipient failed", exc_info=True)
        OtpChallenge.objects.filter(id=challenge_id, code_hash=code_hash).delete()
        raise EmailSendFailed() from None


def find_or_create_user(*, email: str) -> User:
    """The user with ``email``, created (without a usable password) if missing.

    Race safe: when a concurrent request creates the same email first, its row
    is returned instead of an IntegrityError.
    """
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return User.objects.create_user(email)
    except IntegrityError:
        return User.objects.get(email=email)


def verify_code(*, email: str, code: str, request=None) -> tuple[LoginSession, str]:
    """Sign in with ``email``'s current code; return the new session and raw token.

    Guarantees, all holding under parallel requests because every verification
    for an email runs under a row lock on its challenge:
    - each challenge gets at most OTP_MAX_ATTEMPTS (5) wrong-code evaluations;
      the next attempt, right or wrong, deletes it (``TooManyAttempts``);
    - a right code is single-use: of concurrent verifications exactly one wins;
    - after OTP_EMAIL_FAILURES_PER_HOUR (10) wrong codes for the email in the
      last hour, every attempt is refused (``TooManyAttempts``), across new
      codes, until the hour passes; success clears the count;
    - a deactivated user gets ``Forbidden`` and no session (the code is used up);
    - the session named by the request's ``cr_session`` cookie is revoked.
    Failures raise ``InvalidCode`` for a missing, expired or wrong code.
    """
    now = timezone.now()
    error = None
    result = None
    with transaction.atomic():
        challenge = (
            OtpChallenge.objects.select_for_update().filter(email=email).first()
        )
        failures = OtpFailure.objects.recent(email=email, now=now).count()
        if failures >= settings.OTP_EMAIL_FAILURES_PER_HOUR:
            error = TooManyAttempts()
        elif challenge is None or challenge.expires_at <= now:
            error = InvalidCode()
        elif challenge.attempts >= settings.OTP_MAX_ATTEMPTS:
            # SPEC §5: the sixth attempt, right or wrong, deletes the challenge.
            challenge.delete()
            error = TooManyAttempts()
        elif not otp_code_matches(email, code, challenge.code_hash):
            OtpChallenge.objects.filter(pk=challenge.pk).update(attempts=challenge.attempts + 1)
            OtpFailure.objects.create(email=email, created_at=now)
            error = InvalidCode()
        else:
            challenge.delete()
            OtpFailure.objects.filter(email=email).delete()
            user = find_or_create_user(email=email)
            if not user.is_active:
                error = Forbidden("This account has been deactivated.")
            else:
                if request is not None:
                    revoke_session(token=request.COOKIES.get(settings.AUTH_COOKIE_NAME))
                User.objects.filter(pk=user.pk).update(last_login=now)
                result = create_session(user=user, request=request)
    # Raised after commit, so a recorded wrong guess is never rolled back.
    if error is not None:
        raise error
    return result
