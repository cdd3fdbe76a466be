"""Fixtures for the accounts tests: challenges with a known code, the code from a sent email."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from accounts.models import OtpChallenge
from accounts.tokens import hash_otp_code
from conftest import free_port

CODE = "123456"


@pytest.fixture
def make_challenge(db):
    """Store a challenge for ``email`` whose code is ``code`` (default 123456)."""

    def make(email="ann@example.org", code=CODE, **fields):
        now = timezone.now()
        fields.setdefault("created_at", now)
        fields.setdefault("expires_at", now + timedelta(seconds=settings.OTP_TTL_SECONDS))
        return OtpChallenge.objects.create(email=email, code_hash=hash_otp_code(email, code), **fields)

    return make


def code_in(text: str) -> str:
    """The one 6-digit code in an email body."""
    (code,) = re.findall(r"\b[0-9]{6}\b", text)
    return code


def last_sent_code() -> str:
    return code_in(mail.outbox[-1].body)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 at full strength would make the admin tests take seconds each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def redis_down(settings):
    """The cache (and so every rate limit) pointed at a closed Redis port."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URL = url
    # Assigning CACHES resets django.core.cache.caches (setting_changed signal).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    yield
