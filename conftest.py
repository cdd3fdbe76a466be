"""Shared pytest fixtures: users, signed-in clients, a real SMTP server."""

import json
import socket
import threading

import pytest
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters must not leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


class JsonClient(Client):
    """A test client whose ``*_json`` helpers send JSON bodies."""

    def post_json(self, path, data=None, **extra):
        return self.post(path, data=json.dumps(data), content_type="application/json", **extra)

    def put_json(self, path, data=None, **extra):
        return self.put(path, data=json.dumps(data), content_type="application/json", **extra)


@pytest.fixture
def api_client():
    return JsonClient()


@pytest.fixture
def make_user(db):
    from accounts.models import User

    counter = iter(range(1, 1_000_000))

    def make(email=None, **fields):
        return User.objects.create_user(email or f"user{next(counter)}@example.org", **fields)

    return make


@pytest.fixture
def sign_in(db):
    """Sign ``user`` in on ``client`` by creating a real session and setting its cookie."""
    from django.conf import settings

    from accounts.services import create_session

    def do(client, user):
        session, token = create_session(user=user)
        client.cookies[settings.AUTH_COOKIE_NAME] = token
        return session

    return do


@pytest.fixture
def signed_in_client(make_user, sign_in):
    client = JsonClient()
    client.user = make_user()
    client.login_session = sign_in(client, client.user)
    return client


@pytest.fixture
def staff_client(make_user, sign_in):
    """Signed in to the API (cookie) and to the admin (Django session) as a superuser."""
    client = JsonClient()
    client.user = make_user("staff@example.org", password="correct horse battery", is_staff=True, is_superuser=True)
    client.login_session = sign_in(client, client.user)
    client.force_login(client.user)
    return client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Inbox:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        with self.lock:
            self.messages.append(
                {
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "message": message_from_bytes(envelope.content, policy=policy.default),
                }
            )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free port; Django's mail goes to it.

    Yields the inbox; ``inbox.messages`` holds parsed messages.
    """
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()
