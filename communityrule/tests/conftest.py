"""Fixtures for the foundation tests."""

import pytest
from django.test import Client


@pytest.fixture
def test_urls(settings):
    """Serve communityrule/tests/urls.py: the real API plus echo and raising endpoints."""
    settings.ROOT_URLCONF = "communityrule.tests.urls"


@pytest.fixture
def lenient_client():
    """A client that returns 500 responses instead of re-raising the view's exception."""
    return Client(raise_request_exception=False)
