from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import services
from accounts.models import LoginSession, OtpChallenge, OtpFailure, User
from accounts.tests.conftest import CODE, last_sent_code
from accounts.tokens import hash_otp_code, hash_session_token
from communityrule.api.errors import Forbidden, InvalidCode, RateLimited, TooManyAttempts


@pytest.mark.django_db
def test_request_code_replaces_the_previous_challenge(make_challenge):
    old = make_challenge("ann@example.org", created_at=timezone.now() - timedelta(minutes=2), attempts=3)

    services.request_code(email="ann@example.org")

    challenge = OtpChallenge.objects.get()
    assert challenge.pk != old.pk
    assert challenge.attempts == 0
    assert challenge.code_hash == hash_otp_code("ann@example.org", last_sent_code())


@pytest.mark.django_db
def test_request_code_within_60_seconds_is_rate_limited_with_the_remaining_wait(make_challenge):
    make_challenge("ann@example.org", created_at=timezone.now() - timedelta(seconds=45))

    with pytest.raises(RateLimited) as caught:
        services.request_code(email="ann@example.org")

    assert caught.value.headers == {"Retry-After": "15"}
    assert 14_000 < caught.value.retry_after_ms <= 15_000
    assert mail.outbox == []


@pytest.mark.django_db
def test_verify_code_creates_a_user_without_a_password_and_a_session(make_challenge):
    make_challenge("ann@example.org")

    session, token = services.verify_code(email="ann@example.org", code=CODE)

    user = User.objects.get()
    assert session.user == user
    assert session.token_hash == hash_session_token(token)
    assert user.has_usable_password() is False
    assert user.last_login is not None
    assert OtpChallenge.objects.count() == 0


@pytest.mark.django_db
def test_verify_code_signs_in_an_existing_user(make_user, make_challenge):
    user = make_user("ann@example.org", password="a long passphrase")
    make_challenge("ann@example.org")

    session, _ = services.verify_code(email="ann@example.org", code=CODE)

    assert session.user == user
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_wrong_codes_are_recorded_even_though_an_error_is_raised(make_challenge):
    make_challenge("ann@example.org")

    with pytest.raises(InvalidCode):
        services.verify_code(email="ann@example.org", code="654321")

    assert OtpChallenge.objects.get().attempts == 1
    assert OtpFailure.objects.filter(email="ann@example.org").count() == 1


@pytest.mark.django_db
def test_sixth_attempt_with_the_right_code_is_refused(make_challenge):
    make_challenge("ann@example.org", attempts=5)

    with pytest.raises(TooManyAttempts):
        services.verify_code(email="ann@example.org", code=CODE)

    assert OtpChallenge.objects.count() == 0
    assert LoginSession.objects.count() == 0


@pytest.mark.django_db
def test_failure_cap_refuses_the_right_code_and_counts_only_the_last_hour(make_challenge):
    now = timezone.now()
    OtpFailure.objects.bulk_create(
        [OtpFailure(email="ann@example.org", created_at=now - timedelta(minutes=5)) for _ in range(9)]
        + [OtpFailure(email="ann@example.org", created_at=now - timedelta(minutes=70))]
        + [OtpFailure(email="bob@example.org", created_at=now) for _ in range(10)]
    )
    make_challenge("ann@example.org")

    # 9 within the hour: still allowed.
    services.verify_code(email="ann@example.org", code=CODE)
    assert OtpFailure.objects.filter(email="ann@example.org").count() == 0

    make_challenge("bob@example.org")
    with pytest.raises(TooManyAttempts):
        services.verify_code(email="bob@example.org", code=CODE)
    # The challenge is not evaluated, so it is neither used up nor counted.
    assert OtpChallenge.objects.get(email="bob@example.org").attempts == 0


@pytest.mark.django_db
def test_deactivated_user_is_refused_and_the_code_used_up(make_user, make_challenge):
    make_user("ann@example.org", is_active=False)
    make_challenge("ann@example.org")

    with pytest.raises(Forbidden):
        services.verify_code(email="ann@example.org", code=CODE)

    assert LoginSession.objects.count() == 0
    assert OtpChallenge.objects.count() == 0


@pytest.mark.django_db
def test_find_or_create_user_reuses_the_existing_row(make_user):
    user = make_user("ann@example.org")

    assert services.find_or_create_user(email="ann@example.org") == user
    created = services.find_or_create_user(email="bob@example.org")
    assert created.email == "bob@example.org"
    assert created.has_usable_password() is False


@pytest.mark.django_db
def test_revoke_session_is_idempotent(make_user):
    session, token = services.create_session(user=make_user())

    assert services.revoke_session(token=token) == 1
    assert services.revoke_session(token=token) == 0
    assert services.revoke_session(token=None) == 0
    assert services.revoke_session(token="x" * 500) == 0
    assert LoginSession.objects.filter(pk=session.pk).exists() is False


@pytest.mark.django_db
def test_deactivate_user_ends_every_session_of_that_user_only(make_user):
    user, other = make_user(), make_user()
    for _ in range(3):
        services.create_session(user=user)
    kept, _ = services.create_session(user=other)

    ended = services.deactivate_user(user=user)

    assert ended == 3
    user.refresh_from_db()
    assert user.is_active is False
    assert list(LoginSession.objects.all()) == [kept]
    assert services.deactivate_user(user=user) == 0
