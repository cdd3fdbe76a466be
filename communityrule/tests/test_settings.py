"""Production configuration: check --deploy is clean, missing values stop the start (SPEC §3, §8)."""

import subprocess
import sys

import pytest

from communityrule.tests.live import BASE_DIR, PRODUCTION_ENV, base_env

PRODUCTION = {
    **PRODUCTION_ENV,
    "ALLOWED_HOSTS": "api.example.org",
    "DATABASE_URL": "postgres://app:secret@db.example.org:5432/communityrule",
    "EMAIL_URL": "smtp+tls://user:password@smtp.example.org:587",
}


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=base_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_with_production_env():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_security_checks_are_clean_with_production_env():
    result = manage("check", "--deploy", "--tag", "security", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("System check identified no issues")


@pytest.mark.parametrize(
    "missing, message",
    [
        ("SECRET_KEY", "SECRET_KEY must be set when DEBUG is off"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set when DEBUG is off"),
        ("DATABASE_URL", "DATABASE_URL must be set when DEBUG is off"),
        ("EMAIL_URL", "EMAIL_URL must be set when DEBUG is off"),
    ],
)
def test_production_without_a_required_value_refuses_to_start(missing, message):
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {message}")
    assert "Traceback" not in result.stderr


def test_debug_off_is_the_default():
    env = {key: value for key, value in PRODUCTION.items() if key != "DEBUG"}
    result = manage("shell", "--no-imports", "-c", "from django.conf import settings; print(settings.DEBUG, settings.AUTH_COOKIE_SECURE, settings.LOG_FORMAT)", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "json"]


def test_anymail_backend_stands_in_for_email_url():
    env = {key: value for key, value in PRODUCTION.items() if key != "EMAIL_URL"}
    env.update(EMAIL_BACKEND="anymail.backends.postmark.EmailBackend", ANYMAIL_POSTMARK_SERVER_TOKEN="tok")
    result = manage("shell", "--no-imports", "-c", "from django.conf import settings; print(settings.EMAIL_BACKEND, settings.ANYMAIL)", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "anymail.backends.postmark.EmailBackend {'POSTMARK_SERVER_TOKEN': 'tok'}"


def test_tests_run_with_production_behaviour_and_development_defaults(settings):
    # TESTING gives dev defaults (no required values) while DEBUG stays off.
    assert settings.TESTING and settings.DEVELOPMENT and not settings.DEBUG
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.DATABASES["default"]["ATOMIC_REQUESTS"] is False
