"""Operations claims of docs/deploy.md, tested with real processes.

- Scaling out: two gunicorn instances sharing one PostgreSQL and one Redis
  behave as one service (a sign-in on one is valid on the other; the per-IP
  code-request limit is shared).
- Backup and restore drill: ``make backup`` then ``make restore`` into a new
  database gives back every user, session, draft, rule and template.

Both need committed data visible to other processes, hence
``transaction=True``; the test database is handed to them as DATABASE_URL.
"""

import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import requests
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from psycopg import sql

from conftest import free_port

BASE_DIR = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


def libpq_params(name: str) -> dict:
    db = connection.settings_dict
    options = db.get("OPTIONS") or {}
    params = {
        "host": options.get("host") or db["HOST"],
        "port": db["PORT"],
        "user": db["USER"],
        "password": db["PASSWORD"],
        "dbname": name,
    }
    return {key: value for key, value in params.items() if value}


def database_url(name: str) -> str:
    """The test server's DATABASE_URL for ``name``; unix sockets go in ``?host=``."""
    db = libpq_params(name)
    auth = quote(db.get("user", ""), safe="")
    if db.get("password"):
        auth += ":" + quote(db["password"], safe="")
    host, port = str(db.get("host", "")), db.get("port", 5432)
    if host.startswith("/"):
        return f"postgres://{auth}@:{port}/{quote(name)}?host={quote(host, safe='/')}"
    return f"postgres://{auth}@{host}:{port}/{quote(name)}"


def sign_in_code(inbox, email: str) -> str:
    message = [m for m in inbox.messages if m["to"] == [email]][-1]["message"]
    return re.search(r"\b(\d{6})\b", message.get_body(("plain",)).get_content()).group(1)


# --- Two app instances --------------------------------------------------------


@contextmanager
def app_instances(count: int, env: dict):
    """``count`` gunicorn processes (gunicorn.conf.py) on free ports; yields their base URLs."""
    processes, urls = [], []
    try:
        for _ in range(count):
            port = free_port()
            # A file, not a pipe: a chatty instance must never block on a full pipe.
            log = tempfile.TemporaryFile(mode="w+")
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                 "--bind", f"127.0.0.1:{port}", "--workers", "1", "communityrule.wsgi"],
                cwd=BASE_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
            process.log = log
            processes.append(process)
            urls.append(f"http://127.0.0.1:{port}")
        for process, url in zip(processes, urls):
            wait_until_healthy(process, url)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.log.close()


def wait_until_healthy(process, url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            process.log.seek(0)
            pytest.fail(f"app instance exited with {process.returncode}:\n{process.log.read()}")
        try:
            if requests.get(f"{url}/api/health", timeout=5).status_code == HTTPStatus.OK:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    pytest.fail(f"app instance at {url} did not become healthy")


def production_env(settings, *, email_port: int) -> dict:
    """A production environment (DEBUG off), over plain http on the loopback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "SECURE_", "AUTH_", "TRUSTED_", "EMAIL_", "VITALS_"))
        and key not in {"DEBUG", "LOG_FORMAT"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url(connection.settings_dict["NAME"]),
        REDIS_URL=settings.REDIS_URL,
        # Both instances share a prefix of their own: the rate-limit keys are
        # theirs alone, whatever else uses this Redis database.
        CACHE_KEY_PREFIX=f"ops-{secrets.token_hex(4)}",
        EMAIL_URL=f"smtp://127.0.0.1:{email_port}",
        # Plain http on the loopback: no Secure cookie, no https, no HSTS.
        AUTH_COOKIE_SECURE="false",
        SECURE_PROXY_SSL_HEADER="false",
        SECURE_HSTS_SECONDS="0",
        TRUSTED_PROXY_COUNT="1",
        WEB_CONCURRENCY="1",
        LOG_LEVEL="WARNING",
    )
    return env


def code_request(base: str, email: str, *, ip: str) -> requests.Response:
    # The test plays the load balancer: TRUSTED_PROXY_COUNT=1 makes ``ip`` the client.
    return requests.post(
        f"{base}/api/auth/otp/request", json={"email": email}, headers={"X-Forwarded-For": ip}, timeout=10
    )


def test_two_instances_share_sessions_and_rate_limits(settings, smtp_server):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: without Redis every instance keeps its own rate limits")
    env = production_env(settings, email_port=settings.EMAIL_PORT)

    with app_instances(2, env) as (first, second):
        # Signed in on the first instance, signed in on the second.
        email = "two-instances@example.org"
        requested = code_request(first, email, ip="198.51.100.7")
        assert (requested.status_code, requested.json()) == (HTTPStatus.OK, {"ok": True})
        verified = requests.post(
            f"{first}/api/auth/otp/verify",
            json={"email": email, "code": sign_in_code(smtp_server, email)},
            timeout=10,
        )
        assert verified.status_code == HTTPStatus.OK
        user = verified.json()["user"]
        assert verified.json() == {"ok": True, "user": {"id": user["id"], "email": email}}
        cookie = {"cr_session": verified.cookies["cr_session"]}

        on_second = requests.get(f"{second}/api/auth/session", cookies=cookie, timeout=10)
        assert (on_second.status_code, on_second.json()) == (HTTPStatus.OK, {"user": user})

        # SPEC §5: one code request per client IP per 20 s, counted across
        # instances. The limit uses fixed 20 s windows, which may roll over
        # between two requests; a fresh IP then tries again. With per-instance
        # counters every attempt gets 200 and the test fails.
        for attempt in range(3):
            ip = f"203.0.113.{attempt + 1}"
            allowed = code_request(first, f"limit-{attempt}@example.org", ip=ip)
            assert allowed.status_code == HTTPStatus.OK
            limited = code_request(second, f"other-{attempt}@example.org", ip=ip)
            if limited.status_code != HTTPStatus.OK:
                break
        assert limited.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert limited.json() == {
            "error": {"code": "rate_limited", "message": "Too many requests. Try again later."},
            "retryAfterMs": limited.json()["retryAfterMs"],
        }
        assert 0 < limited.json()["retryAfterMs"] <= 20_000
        assert 1 <= int(limited.headers["Retry-After"]) <= 20

    recipients = [m["to"] for m in smtp_server.messages]
    assert [f"other-{attempt}@example.org"] not in recipients
    assert [f"limit-{attempt}@example.org"] in recipients


# --- Backup and restore -------------------------------------------------------


def table_rows(params: dict) -> dict[str, list[tuple]]:
    """Every row of every table in the public schema, in primary-key order."""
    with psycopg.connect(**params) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: conn.execute(
                sql.SQL("SELECT * FROM {} ORDER BY 1").format(sql.Identifier(table))
            ).fetchall()
            for table in tables
        }


def run_make(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
    )


def fill_through_the_api(api_client, inbox) -> None:
    email = "backup@example.org"
    assert api_client.post_json("/api/auth/otp/request", {"email": email}).status_code == HTTPStatus.OK
    verified = api_client.post_json(
        "/api/auth/otp/verify", {"email": email, "code": sign_in_code(inbox, email)}
    )
    assert verified.status_code == HTTPStatus.OK
    draft = api_client.put_json(
        "/api/drafts/me", {"payload": {"title": "Our garden", "currentStep": "review", "extra": [1, "ü"]}}
    )
    assert draft.status_code == HTTPStatus.OK
    rule = api_client.post_json(
        "/api/rules",
        {"title": "Garden rule", "summary": "How we decide", "document": {"sections": [{"categoryName": "Values"}]}},
    )
    assert rule.status_code == HTTPStatus.CREATED
    call_command("seed_templates", verbosity=0)


def test_backup_and_restore_into_a_new_database(api_client, smtp_server, tmp_path):
    fill_through_the_api(api_client, smtp_server)
    source = connection.settings_dict["NAME"]
    restored = f"{source}_restored"
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("PYTEST")
    } | {"DATABASE_URL": database_url(source), "BACKUP_DIR": str(tmp_path)}
    admin = libpq_params("postgres")

    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(restored)))
    try:
        backup = run_make("backup", env=env)
        assert backup.returncode == 0, backup.stdout + backup.stderr
        (dump,) = tmp_path.glob("communityrule-*.dump")
        assert re.fullmatch(r"communityrule-\d{8}T\d{6}Z\.dump", dump.name)

        refused = run_make("restore", f"FILE={dump}", env=env)
        assert refused.returncode != 0
        assert f"Refusing to restore: database {source} already has" in refused.stderr

        restore = run_make("restore", f"FILE={dump}", f"DB={restored}", env=env)
        assert restore.returncode == 0, restore.stdout + restore.stderr
        assert "No migrations to apply." in restore.stdout

        original = table_rows(libpq_params(source))
        copy = table_rows(libpq_params(restored))
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(restored)))

    rows_per_app = {
        app: sum(len(original[model._meta.db_table]) for model in apps.get_app_config(app).get_models())
        for app in ("drafts", "rules", "templates_app")
    }
    assert len(original[apps.get_model("accounts", "User")._meta.db_table]) == 1
    assert len(original[apps.get_model("accounts", "LoginSession")._meta.db_table]) == 1
    assert rows_per_app["drafts"] >= 1
    assert rows_per_app["rules"] >= 1
    assert rows_per_app["templates_app"] >= 6
    assert copy.keys() == original.keys()
    for table in original:
        assert copy[table] == original[table], table
