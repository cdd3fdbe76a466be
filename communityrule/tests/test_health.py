"""GET/HEAD /api/health (SPEC §5) with the database and the cache up and down."""

import os
import tempfile
from http import HTTPStatus

import pytest

from communityrule.tests.live import PRODUCTION_ENV, LiveApp


@pytest.fixture
def no_redis(settings):
    settings.REDIS_URL = ""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.django_db
def test_health_reports_database(api_client, no_redis, django_assert_max_num_queries):
    with django_assert_max_num_queries(1) as queries:
        response = api_client.get("/api/health")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"ok": True, "database": "connected"}
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT 1"]


@pytest.mark.django_db
def test_health_head(api_client, no_redis):
    response = api_client.head("/api/health")
    assert response.status_code == HTTPStatus.OK
    assert response.content == b""


@pytest.mark.django_db
def test_health_is_never_rate_limited(api_client, no_redis):
    statuses = {api_client.get("/api/health").status_code for _ in range(200)}
    assert statuses == {HTTPStatus.OK}


@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis (REDIS_URL)")
def test_health_reports_cache_when_redis_is_set(api_client, settings):
    assert settings.REDIS_URL
    response = api_client.get("/api/health")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"ok": True, "database": "connected", "cache": "connected"}


@pytest.mark.django_db
def test_health_reports_cache_down(api_client, settings):
    from conftest import free_port

    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URL = dead
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": dead,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    response = api_client.get("/api/health")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"ok": False, "database": "connected", "cache": "error"}
    # Restore a working cache before the autouse cache.clear() teardown.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_health_follows_the_database_down_and_back_up():
    """A real PostgreSQL stops and restarts under a running gunicorn (SPEC §4-5).

    The app answers 503 while it is down and recovers by itself, without a
    restart, once it is back (CONN_HEALTH_CHECKS with persistent connections).
    """
    import pgserver
    from conftest import free_port

    data_dir = tempfile.mkdtemp(prefix="crpg-")
    server = pgserver.get_server(data_dir, cleanup_mode="delete")
    app = None
    try:
        socket_dir = server.get_postmaster_info().socket_dir
        app = LiveApp(
            port=free_port(),
            env={
                **PRODUCTION_ENV,
                "DATABASE_URL": f"postgresql://postgres@/postgres?host={socket_dir}",
                "DJANGO_SETTINGS_MODULE": "communityrule.tests.settings_live",
                "CONN_MAX_AGE": "600",
            },
        )
        up = {"ok": True, "database": "connected"}
        assert app.get("/api/health") == (HTTPStatus.OK, up)
        assert app.get("/api/test/db/drf") == (HTTPStatus.OK, {"database": 1})

        pgserver.pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=server.pgdata, user=server.system_user)

        assert app.get("/api/health") == (HTTPStatus.SERVICE_UNAVAILABLE, {"ok": False, "database": "error"})
        unavailable = {
            "error": {
                "code": "database_unavailable",
                "message": "The database is unavailable. Try again shortly.",
            }
        }
        assert app.get("/api/test/db/drf") == (HTTPStatus.SERVICE_UNAVAILABLE, unavailable)
        assert app.get("/api/test/db/django") == (HTTPStatus.SERVICE_UNAVAILABLE, unavailable)
        assert app.get("/api/health", method="HEAD") == (HTTPStatus.SERVICE_UNAVAILABLE, None)

        server.ensure_postgres_running()

        assert app.get("/api/health") == (HTTPStatus.OK, up)
        assert app.get("/api/test/db/drf") == (HTTPStatus.OK, {"database": 1})
        assert app.get("/api/test/db/django") == (HTTPStatus.OK, {"database": 1})
    finally:
        if app is not None:
            output = app.stop()
            assert "Traceback" not in output, output
        server.cleanup()
