from datetime import timedelta

import pytest
from django.utils import timezone

from rules.models import PublishedRule


@pytest.fixture
def make_rule(db):
    """A rule ``age_minutes`` old (default: a fresh one)."""

    def make(title="A rule", *, owner=None, age_minutes=0, **fields):
        fields.setdefault("document", {"sections": []})
        fields.setdefault("created_at", timezone.now() - timedelta(minutes=age_minutes))
        return PublishedRule.objects.create(title=title, owner=owner, **fields)

    return make


def iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The staff_client's password at full PBKDF2 strength costs ~0.5 s per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
