"""Production settings plus the test-only URLs, for app subprocesses in tests."""

from communityrule.settings import *  # noqa: F403

ROOT_URLCONF = "communityrule.tests.urls"
