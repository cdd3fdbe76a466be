import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The staff_client's password at full PBKDF2 strength costs ~0.5 s per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_template(db):
    from templates_app.models import RuleTemplate

    def make(slug, **fields):
        fields.setdefault("title", slug.replace("-", " ").title())
        fields.setdefault("category", "General")
        fields.setdefault("description", f"About {slug}")
        fields.setdefault("published", True)
        fields.setdefault(
            "body", {"sections": [{"categoryName": "Values", "entries": [{"title": "Care", "body": "We care."}]}]}
        )
        return RuleTemplate.objects.create(slug=slug, **fields)

    return make
