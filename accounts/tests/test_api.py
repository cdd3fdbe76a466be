import socket
import time
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from accounts.models import LoginSession, OtpChallenge, OtpFailure, User
from accounts.tests.conftest import CODE, code_in, last_sent_code
from accounts.tokens import hash_otp_code, hash_session_token
from conftest import JsonClient, free_port

REQUEST = "/api/auth/otp/request"
VERIFY = "/api/auth/otp/verify"
SESSION = "/api/auth/session"
LOGOUT = "/api/auth/logout"

OK = {"ok": True}
INVALID_EMAIL = {"error": {"code": "invalid_email", "message": "A valid email address is required."}}
INVALID_CODE = {"error": {"code": "invalid_code", "message": "The code is invalid or has expired."}}
TOO_MANY = {
    "error": {"code": "too_many_attempts", "message": "Too many attempts. Request a new code later."}
}
FORBIDDEN = {"error": {"code": "forbidden", "message": "This account has been deactivated."}}


def _validation_error(**details):
    return {
        "error": {"code": "validation_error", "message": "Valid email and 6-digit code required"},
        "details": details,
    }


def _rate_limited(response):
    body = response.json()
    assert body == {
        "error": {"code": "rate_limited", "message": "Too many requests. Try again later."},
        "retryAfterMs": body["retryAfterMs"],
    }
    return int(response["Retry-After"]), body["retryAfterMs"]


def _user_body(user):
    return {"id": str(user.pk), "email": user.email}


# --- POST /api/auth/otp/request -------------------------------------------------


@pytest.mark.django_db
def test_request_emails_a_code_and_stores_only_its_hash(api_client):
    response = api_client.post_json(REQUEST, {"email": "  Ann@Example.ORG "})

    assert response.status_code == HTTPStatus.OK
    assert response.json() == OK
    (message,) = mail.outbox
    assert message.to == ["ann@example.org"]
    assert message.subject == "Your Community Rule sign-in code"
    code = code_in(message.body)
    assert "expires in 10 minutes" in message.body
    challenge = OtpChallenge.objects.get()
    assert challenge.email == "ann@example.org"
    assert challenge.attempts == 0
    assert challenge.code_hash == hash_otp_code("ann@example.org", code)
    assert code not in challenge.code_hash
    assert timedelta(seconds=599) < challenge.expires_at - challenge.created_at <= timedelta(seconds=600)


@pytest.mark.django_db
def test_request_answers_the_same_for_known_and_unknown_emails(api_client, make_user):
    make_user("known@example.org")
    known = api_client.post_json(REQUEST, {"email": "known@example.org"}, REMOTE_ADDR="10.0.0.1")
    unknown = api_client.post_json(REQUEST, {"email": "new@example.org"}, REMOTE_ADDR="10.0.0.2")

    assert (known.status_code, known.json()) == (HTTPStatus.OK, OK)
    assert (unknown.status_code, unknown.json()) == (HTTPStatus.OK, OK)
    assert User.objects.filter(email="new@example.org").exists() is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": ""},
        {"email": "   "},
        {"email": None},
        {"email": 42},
        {"email": ["ann@example.org"]},
        {"email": "not-an-email"},
        {"email": "ann@"},
        {"email": "a" * 243 + "@example.org"},  # 255 characters
        {"email": "ann\u0001@example.org"},
        {"email": "ann@exa\u007fmple.org"},
        {"email": "an\u0085n@example.org"},
        {"email": "ann@example.org\nbcc@example.org"},
    ],
)
def test_request_refuses_invalid_emails(api_client, body):
    response = api_client.post_json(REQUEST, body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == INVALID_EMAIL
    assert mail.outbox == []
    assert OtpChallenge.objects.count() == 0


@pytest.mark.django_db
def test_request_accepts_an_email_of_254_characters(api_client):
    email = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".org"
    assert len(email) == 254

    response = api_client.post_json(REQUEST, {"email": email})

    assert (response.status_code, response.json()) == (HTTPStatus.OK, OK)


@pytest.mark.django_db
def test_request_needs_a_json_body(api_client):
    response = api_client.post(REQUEST, data="email=ann@example.org", content_type="application/x-www-form-urlencoded")

    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert response.json()["error"]["code"] == "unsupported_media_type"


@pytest.mark.django_db
def test_one_code_per_email_per_60_seconds_read_from_the_database(api_client):
    first = api_client.post_json(REQUEST, {"email": "ann@example.org"}, REMOTE_ADDR="10.0.0.1")
    again = api_client.post_json(REQUEST, {"email": "ANN@example.org"}, REMOTE_ADDR="10.0.0.2")

    assert first.status_code == HTTPStatus.OK
    assert again.status_code == HTTPStatus.TOO_MANY_REQUESTS
    retry_after, retry_after_ms = _rate_limited(again)
    assert 59 <= retry_after <= 60
    assert 58_000 < retry_after_ms <= 60_000
    assert len(mail.outbox) == 1

    # Once the challenge is 60 s old a new code replaces it (no sleeping: age the row).
    OtpChallenge.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    later = api_client.post_json(REQUEST, {"email": "ann@example.org"}, REMOTE_ADDR="10.0.0.3")

    assert (later.status_code, later.json()) == (HTTPStatus.OK, OK)
    assert len(mail.outbox) == 2
    challenge = OtpChallenge.objects.get()
    assert challenge.code_hash == hash_otp_code("ann@example.org", last_sent_code())


@pytest.mark.django_db
def test_one_code_request_per_ip_per_20_seconds(api_client):
    first = api_client.post_json(REQUEST, {"email": "ann@example.org"}, REMOTE_ADDR="10.0.0.1")
    same_ip = api_client.post_json(REQUEST, {"email": "bob@example.org"}, REMOTE_ADDR="10.0.0.1")
    other_ip = api_client.post_json(REQUEST, {"email": "cid@example.org"}, REMOTE_ADDR="10.0.0.2")

    assert first.status_code == HTTPStatus.OK
    assert same_ip.status_code == HTTPStatus.TOO_MANY_REQUESTS
    retry_after, retry_after_ms = _rate_limited(same_ip)
    assert 1 <= retry_after <= 20
    assert 0 < retry_after_ms <= 20_000
    assert other_ip.status_code == HTTPStatus.OK
    assert [m.to for m in mail.outbox] == [["ann@example.org"], ["cid@example.org"]]


@pytest.mark.django_db
def test_x_forwarded_for_is_ignored_without_trusted_proxies(api_client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    first = api_client.post_json(
        REQUEST, {"email": "ann@example.org"}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1"
    )
    spoofed = api_client.post_json(
        REQUEST, {"email": "bob@example.org"}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="2.2.2.2"
    )

    assert first.status_code == HTTPStatus.OK
    assert spoofed.status_code == HTTPStatus.TOO_MANY_REQUESTS
    _rate_limited(spoofed)


@pytest.mark.django_db
def test_x_forwarded_for_entries_left_of_the_trusted_proxy_cannot_escape_the_limit(api_client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy appends the address it saw (203.0.113.5); the client controls the rest.
    first = api_client.post_json(
        REQUEST,
        {"email": "ann@example.org"},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5",
    )
    spoofed = api_client.post_json(
        REQUEST,
        {"email": "bob@example.org"},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="2.2.2.2, 9.9.9.9, 203.0.113.5",
    )
    other_client = api_client.post_json(
        REQUEST,
        {"email": "cid@example.org"},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="203.0.113.6",
    )

    assert first.status_code == HTTPStatus.OK
    assert spoofed.status_code == HTTPStatus.TOO_MANY_REQUESTS
    _rate_limited(spoofed)
    assert other_client.status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_email_is_delivered_through_a_real_smtp_server(api_client, smtp_server):
    response = api_client.post_json(REQUEST, {"email": "ann@example.org"})

    assert (response.status_code, response.json()) == (HTTPStatus.OK, OK)
    (received,) = smtp_server.messages
    message = received["message"]
    assert received["to"] == ["ann@example.org"]
    assert message["Subject"] == "Your Community Rule sign-in code"
    assert message["To"] == "ann@example.org"
    body = message.get_content()
    code = code_in(body)
    assert "expires in 10 minutes" in body
    assert OtpChallenge.objects.get().code_hash == hash_otp_code("ann@example.org", code)

    # And the delivered code signs in.
    verify = api_client.post_json(VERIFY, {"email": "ann@example.org", "code": code})
    assert verify.status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_smtp_refusing_connections_answers_502_and_removes_the_challenge(api_client, smtp_server, settings):
    settings.EMAIL_PORT = free_port()  # nothing listens there

    response = api_client.post_json(REQUEST, {"email": "ann@example.org"})

    assert response.status_code == HTTPStatus.BAD_GATEWAY
    assert response.json() == {
        "error": {
            "code": "email_send_failed",
            "message": "The sign-in email could not be sent. Try again.",
        }
    }
    assert OtpChallenge.objects.count() == 0
    assert smtp_server.messages == []


class _SilentSmtpServer:
    """Accepts connections and never answers: a hanging SMTP server."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]


@pytest.mark.django_db
def test_email_timeout_bounds_a_hanging_smtp_server(api_client, smtp_server, settings):
    silent = _SilentSmtpServer()
    settings.EMAIL_PORT = silent.port
    settings.EMAIL_TIMEOUT = 1
    started = time.monotonic()

    try:
        response = api_client.post_json(REQUEST, {"email": "ann@example.org"})
        elapsed = time.monotonic() - started
        # The send reached the hanging server: its connection waits in the backlog.
        silent.sock.settimeout(0)
        connection, _ = silent.sock.accept()
        connection.close()
    finally:
        silent.sock.close()

    assert response.status_code == HTTPStatus.BAD_GATEWAY
    assert response.json()["error"]["code"] == "email_send_failed"
    # It waited for the greeting for EMAIL_TIMEOUT, then gave up (not at once, not for ever).
    assert settings.EMAIL_TIMEOUT - 0.1 <= elapsed < settings.EMAIL_TIMEOUT + 3
    assert OtpChallenge.objects.count() == 0


@pytest.mark.django_db
def test_redis_down_refuses_code_requests_but_verify_and_health_still_answer(
    api_client, make_challenge, redis_down
):
    response = api_client.post_json(REQUEST, {"email": "ann@example.org"})

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {
        "error": {
            "code": "service_unavailable",
            "message": "Service temporarily unavailable. Try again shortly.",
        }
    }
    assert mail.outbox == []
    assert OtpChallenge.objects.count() == 0

    make_challenge("bob@example.org")
    verify = api_client.post_json(VERIFY, {"email": "bob@example.org", "code": CODE})
    assert verify.status_code == HTTPStatus.OK
    assert api_client.get(SESSION).json()["user"]["email"] == "bob@example.org"

    logout = api_client.generic("POST", LOGOUT)
    assert (logout.status_code, logout.json()) == (HTTPStatus.OK, OK)

    health = api_client.get("/api/health")
    assert health.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert health.json() == {"ok": False, "database": "connected", "cache": "error"}


# --- POST /api/auth/otp/verify --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("secure", [True, False])
def test_verify_signs_in_with_a_flagged_cookie_and_stores_only_hashes(api_client, make_challenge, settings, secure):
    settings.AUTH_COOKIE_SECURE = secure
    make_challenge("ann@example.org")

    response = api_client.post_json(
        VERIFY, {"email": "Ann@Example.org", "code": CODE}, HTTP_USER_AGENT="TestBrowser/1.0", REMOTE_ADDR="10.1.2.3"
    )

    assert response.status_code == HTTPStatus.OK
    user = User.objects.get()
    assert response.json() == {"ok": True, "user": _user_body(user)}
    assert user.email == "ann@example.org"
    assert user.has_usable_password() is False
    cookie = response.cookies["cr_session"]
    token = cookie.value
    assert len(token) == 43  # 32 bytes, base64url without padding
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert bool(cookie["secure"]) is secure
    assert cookie["max-age"] == 30 * 24 * 3600
    session = LoginSession.objects.get()
    assert session.user == user
    assert session.token_hash == hash_session_token(token)
    assert session.ip == "10.1.2.3"
    assert session.user_agent == "TestBrowser/1.0"
    assert session.expires_at - session.created_at == timedelta(days=30)
    # No raw token anywhere in the session row; the challenge is gone.
    assert not any(token in str(value) for value in LoginSession.objects.values().get().values())
    assert OtpChallenge.objects.count() == 0
    assert api_client.get(SESSION).json() == {"user": _user_body(user)}


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["12 34 56", " 123456 ", "1 2 3 4 5 6", 123456])
def test_verify_accepts_spaced_and_numeric_codes(api_client, make_challenge, code):
    make_challenge("ann@example.org")

    response = api_client.post_json(VERIFY, {"email": "ann@example.org", "code": code})

    assert response.status_code == HTTPStatus.OK


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code",
    [
        "１２３４５６",  # full-width digits
        "١٢٣٤٥٦",  # Arabic-Indic digits
        "123456\n",
        "123456\r\n",
        "\t123456",
        "12345",
        "1234567",
        "12345a",
        "",
        123456.0,
        12345,
        -123456,
        True,
        None,
        ["123456"],
    ],
)
def test_verify_refuses_malformed_codes(api_client, make_challenge, code):
    make_challenge("ann@example.org")

    response = api_client.post_json(VERIFY, {"email": "ann@example.org", "code": code})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    if code is None:
        assert response.json() == _validation_error(code=["This field may not be null."])
    else:
        assert response.json() == _validation_error(code=["Enter the 6-digit code."])
    assert OtpChallenge.objects.get().attempts == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"code": CODE}, {"email": ["This field is required."]}),
        ({"email": "nope", "code": CODE}, {"email": ["Enter a valid email address."]}),
        ({"email": "ann@example.org"}, {"code": ["This field is required."]}),
    ],
)
def test_verify_needs_valid_email_and_code(api_client, body, details):
    response = api_client.post_json(VERIFY, body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == _validation_error(**details)


@pytest.mark.django_db
def test_verify_without_a_live_challenge_is_invalid_code(api_client, make_challenge):
    make_challenge("old@example.org", expires_at=timezone.now() - timedelta(seconds=1))

    missing = api_client.post_json(VERIFY, {"email": "ann@example.org", "code": CODE})
    expired = api_client.post_json(VERIFY, {"email": "old@example.org", "code": CODE})

    assert (missing.status_code, missing.json()) == (HTTPStatus.BAD_REQUEST, INVALID_CODE)
    assert (expired.status_code, expired.json()) == (HTTPStatus.BAD_REQUEST, INVALID_CODE)
    assert LoginSession.objects.count() == 0


@pytest.mark.django_db
def test_five_wrong_codes_then_the_sixth_attempt_deletes_the_challenge(api_client, make_challenge):
    make_challenge("ann@example.org")

    for attempt in range(1, 6):
        wrong = api_client.post_json(VERIFY, {"email": "ann@example.org", "code": "000000"})
        assert (wrong.status_code, wrong.json()) == (HTTPStatus.BAD_REQUEST, INVALID_CODE)
        assert OtpChallenge.objects.get().attempts == attempt
    sixth = api_client.post_json(VERIFY, {"email": "ann@example.org", "code": CODE})

    assert (sixth.status_code, sixth.json()) == (HTTPStatus.TOO_MANY_REQUESTS, TOO_MANY)
    assert OtpChallenge.objects.count() == 0
    assert LoginSession.objects.count() == 0
    after = api_client.post_json(VERIFY, {"email": "ann@example.org", "code": CODE})
    assert (after.status_code, after.json()) == (HTTPStatus.BAD_REQUEST, INVALID_CODE)


@pytest.mark.django_db
def test_a_right_code_is_single_use(api_client, make_challenge):
    make_challenge("ann@example.org")

    first = api_client.post_json(VERIFY, {"email": "ann@example.org", "code": CODE})
    second = JsonClient().post_json(VERIFY, {"email": "ann@example.org", "code": CODE})

    assert first.status_code == HTTPStatus.OK
    assert (second.status_code, second.json()) == (HTTPStatus.BAD_REQUEST, INVALID_CODE)
    assert LoginSession.objects.count() == 1


@pytest.mark.django_db
def test_per_email_failure_cap_survives_a_new_code_and_success_clears_it(api_client):
    email = "ann@example.org"

    def new_code(ip):
        OtpChallenge.objects.update(created_at=timezone.now() - timedelta(seconds=61))
        response = api_client.post_json(REQUEST, {"email": email}, REMOTE_ADDR=ip)
        assert response.status_code == HTTPStatus.OK
        return last_sent_code()

    def wrong(code):
        return str((int(code) + 1) % 1_000_000).zfill(6)

    for ip in ("10.0.0.1", "10.0.0.2"):
        code = new_code(ip)
        for _ in range(5):
            response = api_client.post_json(VERIFY, {"email": email, "code": wrong(code)})
            assert response.status_code == HTTPStatus.BAD_REQUEST
    assert OtpFailure.objects.filter(email=email).count() == 10

    code = new_code("10.0.0.3")
    capped = api_client.post_json(VERIFY, {"email": email, "code": code})

    assert (capped.status_code, capped.json()) == (HTTPStatus.TOO_MANY_REQUESTS, TOO_MANY)
    assert LoginSession.objects.count() == 0

    # An hour later (failures aged, not slept) the same code works and clears the count.
    OtpFailure.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    later = api_client.post_json(VERIFY, {"email": email, "code": code})

    assert later.status_code == HTTPStatus.OK
    assert OtpFailure.objects.filter(email=email).count() == 0


@pytest.mark.django_db
def test_verify_revokes_the_session_the_browser_already_carried(signed_in_client, make_challenge):
    old_session = signed_in_client.login_session
    make_challenge("ann@example.org")

    response = signed_in_client.post_json(VERIFY, {"email": "ann@example.org", "code": CODE})

    assert response.status_code == HTTPStatus.OK
    assert LoginSession.objects.filter(pk=old_session.pk).exists() is False
    (session,) = LoginSession.objects.all()
    assert session.user.email == "ann@example.org"


@pytest.mark.django_db
def test_deactivated_user_gets_403_and_no_session(api_client, make_user, make_challenge):
    make_user("ann@example.org", is_active=False)
    make_challenge("ann@example.org")

    response = api_client.post_json(VERIFY, {"email": "ann@example.org", "code": CODE})

    assert (response.status_code, response.json()) == (HTTPStatus.FORBIDDEN, FORBIDDEN)
    assert "cr_session" not in response.cookies
    assert LoginSession.objects.count() == 0


@pytest.mark.django_db
def test_verify_is_rate_limited_per_ip(api_client, make_challenge, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "otp_verify_ip": {"rate": "2/10m", "cache_down": "open"}}
    make_challenge("ann@example.org")

    answers = [
        api_client.post_json(VERIFY, {"email": "ann@example.org", "code": "000000"}).status_code
        for _ in range(3)
    ]
    other_ip = api_client.post_json(VERIFY, {"email": "ann@example.org", "code": CODE}, REMOTE_ADDR="10.9.9.9")

    assert answers == [HTTPStatus.BAD_REQUEST, HTTPStatus.BAD_REQUEST, HTTPStatus.TOO_MANY_REQUESTS]
    assert other_ip.status_code == HTTPStatus.OK


def test_verify_ip_limit_default_is_30_per_10_minutes():
    assert django_settings.RATE_LIMITS["otp_verify_ip"]["rate"] == "30/10m"


# --- GET /api/auth/session --------------------------------------------------------


@pytest.mark.django_db
def test_session_of_a_signed_in_user_costs_one_query(signed_in_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = signed_in_client.get(SESSION)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"user": _user_body(signed_in_client.user)}


@pytest.mark.django_db
@pytest.mark.parametrize("cookie", [None, "", "garbage", "x" * 5000, "not a token!", "A" * 43])
def test_session_is_null_for_anonymous_and_unknown_cookies(api_client, cookie, django_assert_max_num_queries):
    if cookie is not None:
        api_client.cookies["cr_session"] = cookie

    with django_assert_max_num_queries(1):
        response = api_client.get(SESSION)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"user": None}


@pytest.mark.django_db
def test_session_ends_30_days_after_sign_in(signed_in_client):
    LoginSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert signed_in_client.get(SESSION).json() == {"user": None}


@pytest.mark.django_db
def test_session_ends_after_14_idle_days(signed_in_client):
    LoginSession.objects.update(last_seen_at=timezone.now() - timedelta(days=14, seconds=1))

    assert signed_in_client.get(SESSION).json() == {"user": None}


@pytest.mark.django_db
def test_idle_limit_follows_the_setting(signed_in_client, settings):
    LoginSession.objects.update(last_seen_at=timezone.now() - timedelta(days=2))
    assert signed_in_client.get(SESSION).json()["user"] is not None

    LoginSession.objects.update(last_seen_at=timezone.now() - timedelta(days=2))
    settings.AUTH_SESSION_IDLE_DAYS = 1
    assert signed_in_client.get(SESSION).json() == {"user": None}


@pytest.mark.django_db
def test_last_seen_is_written_at_most_every_five_minutes(signed_in_client):
    recent = timezone.now() - timedelta(minutes=1)
    LoginSession.objects.update(last_seen_at=recent)
    signed_in_client.get(SESSION)
    assert LoginSession.objects.get().last_seen_at == recent

    stale = timezone.now() - timedelta(minutes=6)
    LoginSession.objects.update(last_seen_at=stale)
    signed_in_client.get(SESSION)
    assert LoginSession.objects.get().last_seen_at > stale + timedelta(minutes=5)


@pytest.mark.django_db
def test_session_of_a_deactivated_user_is_null(signed_in_client):
    User.objects.update(is_active=False)

    assert signed_in_client.get(SESSION).json() == {"user": None}


@pytest.mark.django_db
def test_several_devices_may_be_signed_in(make_user, sign_in):
    user = make_user()
    phone, laptop = JsonClient(), JsonClient()
    sign_in(phone, user)
    sign_in(laptop, user)

    assert phone.get(SESSION).json() == {"user": _user_body(user)}
    assert laptop.get(SESSION).json() == {"user": _user_body(user)}


# --- POST /api/auth/logout ----------------------------------------------------


@pytest.mark.django_db
def test_logout_deletes_the_session_and_expires_the_cookie(signed_in_client, sign_in):
    other_device = sign_in(JsonClient(), signed_in_client.user)

    # What fetch(url, {method: "POST"}) sends: no body, no Content-Type.
    response = signed_in_client.generic("POST", LOGOUT)

    assert (response.status_code, response.json()) == (HTTPStatus.OK, OK)
    cookie = response.cookies["cr_session"]
    assert cookie.value == ""
    assert cookie["max-age"] == 0
    assert cookie["path"] == "/"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert list(LoginSession.objects.all()) == [other_device]
    assert signed_in_client.get(SESSION).json() == {"user": None}


@pytest.mark.django_db
def test_logout_is_idempotent(signed_in_client, api_client):
    token = signed_in_client.cookies["cr_session"].value
    first = signed_in_client.post_json(LOGOUT, {})
    signed_in_client.cookies["cr_session"] = token  # a replayed, already revoked cookie
    again = signed_in_client.generic("POST", LOGOUT)
    anonymous = api_client.generic("POST", LOGOUT)

    for response in (first, again, anonymous):
        assert (response.status_code, response.json()) == (HTTPStatus.OK, OK)
    assert LoginSession.objects.count() == 0


@pytest.mark.django_db
def test_auth_routes_refuse_other_methods(api_client):
    response = api_client.get(LOGOUT)

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "POST" in response["Allow"]
