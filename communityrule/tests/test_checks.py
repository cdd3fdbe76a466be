"""The deploy checks of communityrule.checks: each fires on its bad setting only."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from communityrule import checks

BASE_DIR = Path(__file__).resolve().parents[2]
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def ids(messages):
    return [message.id for message in messages]


@pytest.fixture
def production(settings):
    """Settings as a correct production deployment has them."""
    settings.DEBUG = False
    settings.AUTH_COOKIE_SECURE = True
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_COUNT_MAX = 2
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.VITALS_STORAGE = "db"
    settings.VITALS_RETENTION_DAYS = 30
    return settings


def run_all():
    return (
        checks.check_auth_cookie_secure(None)
        + checks.check_trusted_proxy_count(None)
        + checks.check_email_backend(None)
        + checks.check_vitals_retention(None)
    )


def test_good_production_settings_pass_every_check(production):
    assert run_all() == []


def test_insecure_cookie_without_debug_is_an_error(production):
    production.AUTH_COOKIE_SECURE = False

    assert ids(checks.check_auth_cookie_secure(None)) == ["communityrule.E001"]


def test_insecure_cookie_in_debug_is_fine(production):
    production.AUTH_COOKIE_SECURE = False
    production.DEBUG = True

    assert checks.check_auth_cookie_secure(None) == []


@pytest.mark.parametrize("count", [0, 1, 2])
def test_proxy_count_within_bound_passes(production, count):
    production.TRUSTED_PROXY_COUNT = count

    assert checks.check_trusted_proxy_count(None) == []


@pytest.mark.parametrize("count", [3, 10, -1])
def test_proxy_count_beyond_bound_or_negative_is_an_error(production, count):
    production.TRUSTED_PROXY_COUNT = count

    assert ids(checks.check_trusted_proxy_count(None)) == ["communityrule.E002"]


def test_declared_bound_allows_more_proxies(production):
    production.TRUSTED_PROXY_COUNT = 3
    production.TRUSTED_PROXY_COUNT_MAX = 3

    assert checks.check_trusted_proxy_count(None) == []


def test_proxy_count_without_proxy_ssl_header_warns(production):
    del production.SECURE_PROXY_SSL_HEADER

    assert ids(checks.check_trusted_proxy_count(None)) == ["communityrule.W002"]


def test_no_proxy_without_proxy_ssl_header_passes(production):
    del production.SECURE_PROXY_SSL_HEADER
    production.TRUSTED_PROXY_COUNT = 0

    assert checks.check_trusted_proxy_count(None) == []


@pytest.mark.parametrize("backend", sorted(checks.NON_DELIVERING_EMAIL_BACKENDS))
def test_non_delivering_email_backend_without_debug_is_an_error(production, backend):
    production.EMAIL_BACKEND = backend

    assert ids(checks.check_email_backend(None)) == ["communityrule.E003"]


@pytest.mark.parametrize("backend", [SMTP_BACKEND, "anymail.backends.postmark.EmailBackend"])
def test_delivering_email_backend_passes(production, backend):
    production.EMAIL_BACKEND = backend

    assert checks.check_email_backend(None) == []


def test_console_email_in_debug_is_fine(production):
    production.DEBUG = True
    production.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

    assert checks.check_email_backend(None) == []


@pytest.mark.parametrize("days", [0, -5])
def test_db_vitals_without_retention_is_an_error(production, days):
    production.VITALS_RETENTION_DAYS = days

    assert ids(checks.check_vitals_retention(None)) == ["communityrule.E004"]


@pytest.mark.parametrize("storage", ["log", "off"])
def test_retention_is_irrelevant_without_db_storage(production, storage):
    production.VITALS_STORAGE = storage
    production.VITALS_RETENTION_DAYS = 0

    assert checks.check_vitals_retention(None) == []


def production_env(**overrides) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "REDIS_URL", "EMAIL_BACKEND", "LOG_FORMAT"}
        and not key.startswith(("PYTEST", "DJANGO_", "SECURE_", "AUTH_", "VITALS_", "TRUSTED_"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="cr.example.org",
        # check --deploy never connects; the URL only has to be well formed.
        DATABASE_URL="postgres://cr@db.invalid:5432/cr",
        EMAIL_URL="smtp+tls://user:password@smtp.example.org:587",
        TRUSTED_PROXY_COUNT="1",
    )
    env.update(overrides)
    return env


def check_deploy(env):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--tag", "security", "--tag", "database"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_fails_on_a_dangerous_production_environment():
    result = check_deploy(
        production_env(
            EMAIL_URL="consolemail://",
            AUTH_COOKIE_SECURE="false",
            TRUSTED_PROXY_COUNT="4",
            VITALS_STORAGE="db",
            VITALS_RETENTION_DAYS="0",
        )
    )

    assert result.returncode == 1, result.stdout + result.stderr
    for check_id in ("E001", "E002", "E003", "E004"):
        assert f"(communityrule.{check_id})" in result.stderr


def test_check_deploy_passes_a_sound_production_environment():
    result = check_deploy(production_env(SECURE_HSTS_PRELOAD="true"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "communityrule." not in result.stdout + result.stderr
