"""The cr_session cookie on signed-in routes (SPEC §5): a cookie that names no
live session is anonymous, so those routes answer 401 ``unauthorized``.

The /api/auth/session side of the same states (``{"user": null}``) is in
test_api.py; here the routes that need a session: GET /api/drafts/me and
POST /api/rules.
"""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from accounts.models import LoginSession, User
from accounts.tokens import MAX_TOKEN_LENGTH
from rules.models import PublishedRule

UNAUTHORIZED = {"error": {"code": "unauthorized", "message": "Sign in required."}}
ROUTES = {
    "GET /api/drafts/me": ("GET", "/api/drafts/me", HTTPStatus.OK),
    "POST /api/rules": ("POST", "/api/rules", HTTPStatus.CREATED),
}


def call(client, route):
    method, path, _ = ROUTES[route]
    if method == "POST":
        return client.post_json(path, {"title": "House rules", "document": {"sections": []}})
    return client.get(path)


def signed_in_ago(client, *, days: float, last_used_days_ago: float) -> None:
    """Move the client's session back in time: sign-in ``days`` ago (expiry
    moves with it), last request ``last_used_days_ago`` days ago."""
    now = timezone.now()
    session = client.login_session
    shift = timedelta(days=days)
    LoginSession.objects.filter(pk=session.pk).update(
        created_at=session.created_at - shift,
        expires_at=session.expires_at - shift,
        last_seen_at=now - timedelta(days=last_used_days_ago),
    )


def expired(client):
    # Used the day before: only the 30-day absolute limit can end it.
    signed_in_ago(client, days=30 + 1 / 86400, last_used_days_ago=1)


def idle(client):
    # Signed in 20 days ago: only the 14-day idle limit can end it.
    signed_in_ago(client, days=20, last_used_days_ago=14 + 1 / 86400)


def revoked(client):
    """Signed out on this device, then the old cookie replayed."""
    token = client.cookies["cr_session"].value
    assert client.post_json("/api/auth/logout", {}).status_code == HTTPStatus.OK
    client.cookies["cr_session"] = token


def deactivated(client):
    User.objects.filter(pk=client.user.pk).update(is_active=False)


def garbage(client):
    """Characters outside the token alphabet (letters, digits, - and _)."""
    client.cookies["cr_session"] = "g@rb.age!*~"


def non_ascii(client):
    client.cookies["cr_session"] = "tökén-ünïcode"


def unknown_token(client):
    """Well formed (43 characters of the token alphabet) but naming no session."""
    client.cookies["cr_session"] = "A" * 43


def oversized(client):
    """The real token with characters appended past the 64-character limit."""
    token = client.cookies["cr_session"].value
    client.cookies["cr_session"] = token + "A" * (MAX_TOKEN_LENGTH + 1 - len(token))


def huge(client):
    client.cookies["cr_session"] = "x" * 4096


DEAD = [expired, idle, revoked, deactivated, garbage, non_ascii, unknown_token, oversized, huge]


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("state", DEAD, ids=lambda f: f.__name__)
def test_signed_in_routes_answer_401_for_a_cookie_without_a_live_session(signed_in_client, route, state):
    # The same client is accepted first, so the 401 below comes from the state.
    assert call(signed_in_client, route).status_code == ROUTES[route][2]
    rules_before = PublishedRule.objects.count()

    state(signed_in_client)
    response = call(signed_in_client, route)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == UNAUTHORIZED
    assert PublishedRule.objects.count() == rules_before


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "days, last_used_days_ago",
    [(30 - 1 / 24, 1), (20, 14 - 1 / 24)],
    ids=["an hour before 30 days", "an hour before 14 idle days"],
)
def test_sessions_just_inside_their_limits_still_work(signed_in_client, route, days, last_used_days_ago):
    signed_in_ago(signed_in_client, days=days, last_used_days_ago=last_used_days_ago)

    assert call(signed_in_client, route).status_code == ROUTES[route][2]
