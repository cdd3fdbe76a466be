import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The staff_client's password at full PBKDF2 strength costs ~0.5 s per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
