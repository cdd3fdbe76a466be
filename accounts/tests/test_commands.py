from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import services
from accounts.models import LoginSession, OtpChallenge, OtpFailure, User


@pytest.mark.django_db
def test_cleanup_sessions_deletes_ended_sessions_expired_codes_and_old_failures(make_user, make_challenge):
    now = timezone.now()
    user = make_user()
    live, _ = services.create_session(user=user)
    expired, _ = services.create_session(user=user)
    idle, _ = services.create_session(user=user)
    LoginSession.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(seconds=1))
    LoginSession.objects.filter(pk=idle.pk).update(last_seen_at=now - timedelta(days=15))
    live_code = make_challenge("ann@example.org")
    make_challenge("bob@example.org", expires_at=now - timedelta(seconds=1))
    recent = OtpFailure.objects.create(email="ann@example.org")
    OtpFailure.objects.create(email="ann@example.org", created_at=now - timedelta(hours=2))
    out = StringIO()

    call_command("cleanup_sessions", stdout=out)

    assert out.getvalue() == (
        "Deleted 2 session(s), 1 expired code(s) and 1 old failed-code record(s).\n"
    )
    assert list(LoginSession.objects.all()) == [live]
    assert list(OtpChallenge.objects.all()) == [live_code]
    assert list(OtpFailure.objects.all()) == [recent]


@pytest.mark.django_db
def test_cleanup_deletes_in_batches_of_bounded_statements(make_user, django_assert_num_queries):
    user = make_user()
    past = timezone.now() - timedelta(days=1)
    for _ in range(5):
        services.create_session(user=user)
    LoginSession.objects.update(expires_at=past)

    # 5 rows, batches of 2: DELETEs of 2, 2 and 1 rows, one statement each.
    with django_assert_num_queries(3) as captured:
        deleted = LoginSession.objects.delete_ended(batch_size=2)

    assert deleted == 5
    assert all(q["sql"].startswith("DELETE") and "LIMIT 2" in q["sql"] for q in captured.captured_queries)
    assert LoginSession.objects.count() == 0


@pytest.mark.django_db
def test_cleanup_with_nothing_to_do():
    out = StringIO()

    call_command("cleanup_sessions", stdout=out)

    assert out.getvalue() == "Deleted 0 session(s), 0 expired code(s) and 0 old failed-code record(s).\n"


class _Terminal(StringIO):
    def isatty(self):
        return True


@pytest.mark.django_db
def test_createsuperuser_asks_for_email_and_password(monkeypatch):
    from django.contrib.auth.management.commands import createsuperuser

    prompts = []
    answers = iter(["Admin@Example.org"])
    monkeypatch.setattr("builtins.input", lambda prompt="": prompts.append(prompt) or next(answers))
    monkeypatch.setattr(createsuperuser.getpass, "getpass", lambda prompt="": "a long enough passphrase")

    call_command("createsuperuser", stdin=_Terminal(), stdout=StringIO())

    assert prompts == ["Email: "]
    user = User.objects.get()
    assert user.email == "admin@example.org"
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert user.check_password("a long enough passphrase")


@pytest.mark.django_db
def test_createsuperuser_non_interactive(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long enough passphrase")

    call_command("createsuperuser", interactive=False, email="ops@example.org", stdout=StringIO())

    assert User.objects.get().check_password("a long enough passphrase")
