from http import HTTPStatus

import pytest
from django.test import Client

from accounts import services
from accounts.models import LoginSession, OtpChallenge, User
from accounts.tests.conftest import CODE
from accounts.tokens import hash_otp_code

USERS = "/admin/accounts/user/"
SESSIONS = "/admin/accounts/loginsession/"
CHALLENGES = "/admin/accounts/otpchallenge/"


@pytest.mark.django_db
def test_user_list_searches_by_email_and_filters_staff_and_active(staff_client, make_user):
    make_user("ann@example.org")
    make_user("bob@example.org", is_active=False)

    search = staff_client.get(USERS, {"q": "ann@"})
    inactive = staff_client.get(USERS, {"is_active__exact": "0"})
    staff = staff_client.get(USERS, {"is_staff__exact": "1"})

    assert search.status_code == HTTPStatus.OK
    assert [u.email for u in search.context["cl"].result_list] == ["ann@example.org"]
    assert [u.email for u in inactive.context["cl"].result_list] == ["bob@example.org"]
    assert [u.email for u in staff.context["cl"].result_list] == ["staff@example.org"]


@pytest.mark.django_db
def test_deactivate_action_ends_the_users_sessions(staff_client, make_user):
    ann, bob = make_user("ann@example.org"), make_user("bob@example.org")
    services.create_session(user=ann)
    services.create_session(user=ann)
    kept, _ = services.create_session(user=bob)

    response = staff_client.post(
        USERS, {"action": "deactivate", "_selected_action": [str(ann.pk)]}, follow=True
    )

    assert response.status_code == HTTPStatus.OK
    assert "Deactivated 1 user(s); ended 2 session(s)." in response.content.decode()
    ann.refresh_from_db()
    assert ann.is_active is False
    assert list(LoginSession.objects.exclude(user=staff_client.user)) == [kept]


def _change_form(user, sessions, **overrides):
    data = {
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "login_sessions-TOTAL_FORMS": str(len(sessions)),
        "login_sessions-INITIAL_FORMS": str(len(sessions)),
        "login_sessions-MIN_NUM_FORMS": "0",
        "login_sessions-MAX_NUM_FORMS": "1000",
    }
    for index, session in enumerate(sessions):
        data[f"login_sessions-{index}-id"] = str(session.pk)
        data[f"login_sessions-{index}-user"] = str(user.pk)
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.django_db
def test_unticking_active_in_the_form_ends_sessions(staff_client, make_user):
    ann = make_user("ann@example.org")
    sessions = [services.create_session(user=ann)[0] for _ in range(2)]

    response = staff_client.post(f"{USERS}{ann.pk}/change/", _change_form(ann, sessions, is_active=None))

    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    ann.refresh_from_db()
    assert ann.is_active is False
    assert LoginSession.objects.filter(user=ann).count() == 0


@pytest.mark.django_db
def test_sessions_inline_lists_and_revokes_a_session(staff_client, make_user):
    ann = make_user("ann@example.org")
    sessions = [services.create_session(user=ann)[0] for _ in range(2)]

    page = staff_client.get(f"{USERS}{ann.pk}/change/")
    assert page.status_code == HTTPStatus.OK
    assert sessions[0].token_hash not in page.content.decode()

    revoke = {f"login_sessions-0-DELETE": "on"}
    response = staff_client.post(f"{USERS}{ann.pk}/change/", _change_form(ann, sessions, **revoke))

    assert response.status_code == HTTPStatus.FOUND
    assert list(LoginSession.objects.filter(user=ann)) == [sessions[1]]
    ann.refresh_from_db()
    assert ann.is_active is True


@pytest.mark.django_db
def test_add_user_with_email_and_password(staff_client):
    response = staff_client.post(
        f"{USERS}add/",
        {
            "email": "  New@Example.org ",
            "usable_password": "true",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )

    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    user = User.objects.get(email="new@example.org")
    assert user.check_password("a long enough passphrase")


@pytest.mark.django_db
def test_session_admin_lists_sessions_without_hashes_and_revokes(staff_client, make_user):
    ann = make_user("ann@example.org")
    session, token = services.create_session(user=ann)

    page = staff_client.get(SESSIONS)
    content = page.content.decode()
    detail = staff_client.get(f"{SESSIONS}{session.pk}/change/").content.decode()

    assert page.status_code == HTTPStatus.OK
    for column in ("User", "Created at", "Expires at", "Last seen at", "Ip", "User agent"):
        assert column in content
    assert session.token_hash not in content + detail
    assert token not in content + detail
    assert "delete_selected" not in content
    assert staff_client.get(f"{SESSIONS}add/").status_code == HTTPStatus.FORBIDDEN

    response = staff_client.post(SESSIONS, {"action": "revoke", "_selected_action": [str(session.pk)]})

    assert response.status_code == HTTPStatus.FOUND
    assert LoginSession.objects.filter(pk=session.pk).exists() is False


@pytest.mark.django_db
def test_otp_challenge_admin_is_read_only_without_codes(staff_client, make_challenge):
    challenge = make_challenge("ann@example.org", attempts=2)
    code_hash = hash_otp_code("ann@example.org", CODE)

    page = staff_client.get(CHALLENGES).content.decode()
    detail = staff_client.get(f"{CHALLENGES}{challenge.pk}/change/")

    assert "ann@example.org" in page
    assert detail.status_code == HTTPStatus.OK
    assert code_hash not in page + detail.content.decode()
    assert 'name="attempts"' not in detail.content.decode()
    assert staff_client.get(f"{CHALLENGES}add/").status_code == HTTPStatus.FORBIDDEN
    assert staff_client.post(f"{CHALLENGES}{challenge.pk}/delete/", {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    assert staff_client.post(f"{CHALLENGES}{challenge.pk}/change/", {"attempts": "0"}).status_code == HTTPStatus.FORBIDDEN
    assert OtpChallenge.objects.get().attempts == 2


@pytest.mark.django_db
def test_admin_login_is_titled_and_signs_in_staff_by_email(make_user):
    make_user("staff@example.org", password="correct horse battery", is_staff=True)
    client = Client()

    page = client.get("/admin/login/")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "STAFF@example.org", "password": "correct horse battery"}
    )

    assert "Community Rule admin" in page.content.decode()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/admin/"


@pytest.mark.django_db
def test_admin_login_is_rate_limited_per_ip(make_user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "admin_login_ip": {"rate": "3/5m", "cache_down": "open"}}
    make_user("staff@example.org", password="correct horse battery", is_staff=True)
    client = Client()

    wrong = [
        client.post("/admin/login/", {"username": "staff@example.org", "password": "guess"}).status_code
        for _ in range(3)
    ]
    limited = client.post("/admin/login/", {"username": "staff@example.org", "password": "correct horse battery"})
    other_ip = Client().post(
        "/admin/login/",
        {"username": "staff@example.org", "password": "correct horse battery"},
        REMOTE_ADDR="10.7.7.7",
    )

    assert wrong == [HTTPStatus.OK] * 3  # the form again, with its error
    assert limited.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert 1 <= int(limited["Retry-After"]) <= 300
    assert "_auth_user_id" not in client.session
    assert other_ip.status_code == HTTPStatus.FOUND
    # Showing the login page is never limited.
    assert client.get("/admin/login/").status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_admin_login_still_works_when_redis_is_down(make_user, redis_down):
    make_user("staff@example.org", password="correct horse battery", is_staff=True)

    response = Client().post(
        "/admin/login/?next=/admin/", {"username": "staff@example.org", "password": "correct horse battery"}
    )

    assert response.status_code == HTTPStatus.FOUND
