"""Fault tolerance under real outages (issue 7), against a real gunicorn.

Every dependency here is a process of this module's own — PostgreSQL from
pgserver in a temporary directory, ``redis-server`` on a free port, aiosmtpd
or a raw socket for SMTP — so stopping one never touches the machine's shared
services. The app runs as gunicorn (gunicorn.conf.py, DEBUG=false) in a
subprocess, exactly as in production, and is never restarted by a test: it
must recover by itself.

- PostgreSQL stopped during traffic: 503 JSON, never a 500; recovery once it is back.
- SMTP refusing connections: 502 ``email_send_failed``, no challenge left.
- SMTP accepting but never answering: an answer within EMAIL_TIMEOUT plus a margin.
- Redis stopped (REDIS_URL set): code requests 503 ``service_unavailable``,
  everything else keeps working, health reports the cache, recovery once back.
- A worker SIGKILLed in the middle of a large ``PUT /api/drafts/me``: the
  draft holds the old payload or the new one, never a mix.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path

import psutil
import psycopg
import pytest
import requests

from conftest import _Inbox, free_port

BASE_DIR = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.faults

DATABASE_UNAVAILABLE = {
    "error": {"code": "database_unavailable", "message": "The database is unavailable. Try again shortly."}
}
SERVICE_UNAVAILABLE = {
    "error": {"code": "service_unavailable", "message": "Service temporarily unavailable. Try again shortly."}
}
EMAIL_SEND_FAILED = {
    "error": {"code": "email_send_failed", "message": "The sign-in email could not be sent. Try again."}
}


# --- Dependencies of our own ---------------------------------------------------


class Postgres:
    """A pgserver PostgreSQL in a temporary directory, migrated once."""

    def __init__(self):
        import pgserver

        self.pgserver = pgserver
        self.server = pgserver.get_server(tempfile.mkdtemp(prefix="cr-faults-pg-"), cleanup_mode="delete")
        socket_dir = self.server.get_postmaster_info().socket_dir
        self.url = f"postgresql://postgres@/postgres?host={socket_dir}"

    def stop(self):
        self.pgserver.pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=self.server.pgdata,
                             user=self.server.system_user)

    def start(self):
        self.server.ensure_postgres_running()

    def query(self, sql, params=()):
        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()


class RedisServer:
    """``redis-server`` on a free port, without persistence; stoppable and restartable."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


class SilentSmtp:
    """Accepts TCP connections and never sends a greeting: a hung mail server."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.listener.close()
        for conn in self.held:
            conn.close()


@pytest.fixture(scope="module")
def postgres():
    """One migrated PostgreSQL for the module; the database test stops and restarts it."""
    server = Postgres()
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=BASE_DIR, env=app_env(database_url=server.url, email_url="smtp://127.0.0.1:1"),
            check=True, stdout=subprocess.DEVNULL,
        )
        yield server
    finally:
        server.server.cleanup()


@pytest.fixture(scope="module")
def inbox():
    from aiosmtpd.controller import Controller

    box = _Inbox()
    box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def redis_server():
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (apt-get install redis-server); .ci/run installs it")
    server = RedisServer()
    yield server
    if server.process.poll() is None:
        server.stop()


# --- The app under test -------------------------------------------------------

APP_SECRET = "faults-" + secrets.token_urlsafe(40)


def app_env(*, database_url: str, email_url: str, **extra) -> dict:
    """Production settings (DEBUG off) over plain http on the loopback."""
    ours = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "EMAIL_", "AUTH_",
            "SECURE_", "TRUSTED_", "VITALS_", "LOG_", "CACHE_KEY_PREFIX", "WEB_CONCURRENCY",
            "GUNICORN_", "CONN_MAX_AGE", "DJANGO_SETTINGS_MODULE", "PORT", "PYTEST")
    env = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    env.update(
        DEBUG="false",
        SECRET_KEY=APP_SECRET,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        EMAIL_URL=email_url,
        EMAIL_TIMEOUT="2",
        AUTH_COOKIE_SECURE="false",
        SECURE_PROXY_SSL_HEADER="false",
        SECURE_HSTS_SECONDS="0",
        # The test plays the proxy: each sign-in comes from its own client address.
        TRUSTED_PROXY_COUNT="1",
        VITALS_STORAGE="log",
        CONN_MAX_AGE="60",
    )
    env.update(extra)
    return env


class App:
    """gunicorn with one gthread worker; its output goes to a file, never a pipe."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--threads", "4", "--timeout", "30", "communityrule.wsgi"],
            cwd=BASE_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.http = requests.Session()
        self.wait_ready()

    def wait_ready(self, timeout=45):
        """Until a worker answers (any status: health may be 503 on purpose)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited with {self.process.returncode}:\n{self.output()}")
            try:
                requests.get(self.base + "/api/health", timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.1)
        pytest.fail(f"gunicorn did not answer:\n{self.output()}")

    def worker_pids(self) -> set[int]:
        return {child.pid for child in psutil.Process(self.process.pid).children()}

    def call(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 15)
        return self.http.request(method, self.base + path, **kwargs)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        output = self.output()
        self.log.close()
        return output


@contextmanager
def running_app(env):
    app = App(env)
    try:
        yield app
    finally:
        output = app.stop()
        # Whatever failed was answered: no request ended in a 500 (the access log says).
        assert '"status": 500' not in output, output[-5000:]


def sign_in(app: App, inbox, email: str) -> dict:
    """Sign in through the API (code by email); returns the user and sets the app's cookie."""
    ip = f"198.51.100.{secrets.randbelow(250) + 1}"
    requested = app.call("POST", "/api/auth/otp/request", json={"email": email}, headers={"X-Forwarded-For": ip})
    assert (requested.status_code, requested.json()) == (HTTPStatus.OK, {"ok": True})
    verified = app.call("POST", "/api/auth/otp/verify", json={"email": email, "code": latest_code(inbox, email)})
    assert verified.status_code == HTTPStatus.OK, verified.text
    return verified.json()["user"]


def latest_code(inbox, email: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with inbox.lock:
            messages = [m["message"] for m in inbox.messages if m["to"] == [email]]
        if messages:
            return re.search(r"\b(\d{6})\b", messages[-1].get_body(("plain",)).get_content()).group(1)
        time.sleep(0.05)
    raise AssertionError(f"no code was emailed to {email}")


# --- PostgreSQL ----------------------------------------------------------------

TRAFFIC = [
    ("GET", "/api/health", None),
    ("GET", "/api/auth/session", None),
    ("GET", "/api/drafts/me", None),
    ("PUT", "/api/drafts/me", {"payload": {"title": "Saved during an outage?"}}),
    ("GET", "/api/rules", None),
    ("GET", "/api/templates", None),
    ("POST", "/api/web-vitals", {"name": "LCP", "value": 1200, "rating": "good"}),
]


def test_database_stopped_during_traffic_answers_503_and_recovers(postgres, inbox):
    env = app_env(database_url=postgres.url, email_url=f"smtp://127.0.0.1:{inbox.port}")
    with running_app(env) as app:
        user = sign_in(app, inbox, "outage@example.org")
        cookie = app.http.cookies.get("cr_session")
        workers = app.worker_pids()
        phase = {"name": "up"}
        seen = []  # (phase at start, phase at end, method, path, status, content type, body)
        stop = threading.Event()

        def traffic():
            http = requests.Session()
            http.cookies.set("cr_session", cookie)
            while not stop.is_set():
                for method, path, body in TRAFFIC:
                    began = phase["name"]
                    # Many clients (the vitals limit is per IP): a fresh address each time.
                    client = {"X-Forwarded-For": f"10.0.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"}
                    try:
                        response = http.request(method, app.base + path, json=body, headers=client, timeout=15)
                    except requests.RequestException as exc:
                        # A dropped connection or a timeout is a failure too, not a silent thread death.
                        seen.append((began, phase["name"], method, path, None, None, repr(exc)))
                        continue
                    seen.append((began, phase["name"], method, path, response.status_code,
                                 response.headers.get("Content-Type"), response.text))

        threads = [threading.Thread(target=traffic) for _ in range(3)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1)
            phase["name"] = "stopping"
            postgres.stop()
            phase["name"] = "down"
            time.sleep(2)
            phase["name"] = "starting"
            postgres.start()
            restarted = time.monotonic()
            deadline = restarted + 15
            while app.call("GET", "/api/health").status_code != HTTPStatus.OK:
                assert time.monotonic() < deadline, "the app did not recover after PostgreSQL came back"
                time.sleep(0.1)
            phase["name"] = "back"
            recovered_after = time.monotonic() - restarted
            time.sleep(1.5)
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)

        print(f"faults: {len(seen)} requests; while PostgreSQL was down "
              f"{sum(1 for b, e, *_ in seen if b == e == 'down')} answered "
              f"(200/503: {sorted({x[4] for x in seen if x[0] == x[1] == 'down'})}); healthy again "
              f"{recovered_after:.2f} s after PostgreSQL accepted connections")
        # Never a 500, never a non-JSON answer: 200, or 503 with the SPEC's body.
        for began, ended, method, path, status, content_type, text in seen:
            assert status in (HTTPStatus.OK, HTTPStatus.SERVICE_UNAVAILABLE), (began, method, path, status, text)
            assert content_type == "application/json", (method, path, content_type)
            if status == HTTPStatus.SERVICE_UNAVAILABLE:
                expected = {"ok": False, "database": "error"} if path == "/api/health" else DATABASE_UNAVAILABLE
                assert json.loads(text) == expected

        def statuses(name, method, path):
            return {s for b, e, m, p, s, _, _ in seen if b == e == name and (m, p) == (method, path)}

        for method, path, _ in TRAFFIC:
            assert statuses("up", method, path) == {HTTPStatus.OK}, (method, path)
            # Vitals in log mode need no database; every other route answered 503 while it was down.
            down = {HTTPStatus.OK} if path == "/api/web-vitals" else {HTTPStatus.SERVICE_UNAVAILABLE}
            assert statuses("down", method, path) == down, (method, path)
            assert statuses("back", method, path) == {HTTPStatus.OK}, (method, path)

        # Recovered without a restart: the same worker serves the same session.
        assert app.worker_pids() == workers
        assert app.call("GET", "/api/auth/session").json() == {"user": user}
        assert app.call("GET", "/api/drafts/me").json()["draft"]["payload"] == {"title": "Saved during an outage?"}


# --- SMTP ----------------------------------------------------------------------


def test_smtp_refusing_connections_answers_502_and_leaves_no_challenge(postgres):
    closed_port = free_port()  # nothing listens there: connection refused
    env = app_env(database_url=postgres.url, email_url=f"smtp://127.0.0.1:{closed_port}")
    with running_app(env) as app:
        response = app.call("POST", "/api/auth/otp/request", json={"email": "refused@example.org"})
        assert (response.status_code, response.json()) == (HTTPStatus.BAD_GATEWAY, EMAIL_SEND_FAILED)
    assert postgres.query("SELECT count(*) FROM accounts_otpchallenge WHERE email = %s", ["refused@example.org"]) == [(0,)]


def test_smtp_that_never_answers_is_cut_off_by_email_timeout(postgres):
    silent = SilentSmtp()
    env = app_env(database_url=postgres.url, email_url=f"smtp://127.0.0.1:{silent.port}", EMAIL_TIMEOUT="2")
    try:
        with running_app(env) as app:
            started = time.monotonic()
            response = app.call("POST", "/api/auth/otp/request", json={"email": "hung@example.org"})
            elapsed = time.monotonic() - started
            assert (response.status_code, response.json()) == (HTTPStatus.BAD_GATEWAY, EMAIL_SEND_FAILED)
            # The server really hung (the answer waited for the timeout), and no longer than it plus a margin.
            print(f"faults: hanging SMTP answered 502 after {elapsed:.2f} s (EMAIL_TIMEOUT=2)")
            assert 2 <= elapsed < 2 + 2, elapsed
            assert silent.held, "the app never connected to the silent server"
            # The worker thread is free again: the app keeps answering.
            assert app.call("GET", "/api/health").status_code == HTTPStatus.OK
    finally:
        silent.close()
    assert postgres.query("SELECT count(*) FROM accounts_otpchallenge WHERE email = %s", ["hung@example.org"]) == [(0,)]


# --- Redis ---------------------------------------------------------------------


def test_redis_stopped_stops_code_requests_only_and_recovers(postgres, inbox, redis_server):
    env = app_env(database_url=postgres.url, email_url=f"smtp://127.0.0.1:{inbox.port}",
                  REDIS_URL=redis_server.url, CACHE_KEY_PREFIX="faults")
    with running_app(env) as app:
        assert app.call("GET", "/api/health").json() == {"ok": True, "database": "connected", "cache": "connected"}
        # A code requested before the outage, verified during it.
        email = "redis-outage@example.org"
        requested = app.call("POST", "/api/auth/otp/request", json={"email": email},
                             headers={"X-Forwarded-For": "198.51.100.20"})
        assert requested.status_code == HTTPStatus.OK
        code = latest_code(inbox, email)
        workers = app.worker_pids()

        redis_server.stop()

        with inbox.lock:
            sent_before = len(inbox.messages)
        refused = app.call("POST", "/api/auth/otp/request", json={"email": "during@example.org"},
                           headers={"X-Forwarded-For": "198.51.100.21"})
        assert (refused.status_code, refused.json()) == (HTTPStatus.SERVICE_UNAVAILABLE, SERVICE_UNAVAILABLE)
        health = app.call("GET", "/api/health")
        assert (health.status_code, health.json()) == (
            HTTPStatus.SERVICE_UNAVAILABLE, {"ok": False, "database": "connected", "cache": "error"})

        verified = app.call("POST", "/api/auth/otp/verify", json={"email": email, "code": code})
        assert verified.status_code == HTTPStatus.OK, verified.text
        user = verified.json()["user"]
        assert verified.json() == {"ok": True, "user": {"id": user["id"], "email": email}}
        assert app.call("GET", "/api/auth/session").json() == {"user": user}
        saved = app.call("PUT", "/api/drafts/me", json={"payload": {"title": "Written while Redis is down"}})
        assert saved.status_code == HTTPStatus.OK
        assert app.call("GET", "/api/drafts/me").json()["draft"]["payload"] == {"title": "Written while Redis is down"}
        assert app.call("GET", "/api/rules").status_code == HTTPStatus.OK
        assert app.call("GET", "/api/templates").status_code == HTTPStatus.OK
        vitals = app.call("POST", "/api/web-vitals", json={"name": "CLS", "value": 0.05, "rating": "good"})
        assert (vitals.status_code, vitals.json()) == (HTTPStatus.OK, {"success": True})
        logout = app.call("POST", "/api/auth/logout")
        assert (logout.status_code, logout.json()) == (HTTPStatus.OK, {"ok": True})
        # Nothing was sent and no challenge was left for the refused request.
        with inbox.lock:
            assert len(inbox.messages) == sent_before
        assert postgres.query("SELECT count(*) FROM accounts_otpchallenge WHERE email = %s",
                              ["during@example.org"]) == [(0,)]

        redis_server.start()

        deadline = time.monotonic() + 10
        while (health := app.call("GET", "/api/health")).status_code != HTTPStatus.OK:
            assert time.monotonic() < deadline, health.text
            time.sleep(0.1)
        assert health.json() == {"ok": True, "database": "connected", "cache": "connected"}
        again = app.call("POST", "/api/auth/otp/request", json={"email": "during@example.org"},
                         headers={"X-Forwarded-For": "198.51.100.22"})
        assert (again.status_code, again.json()) == (HTTPStatus.OK, {"ok": True})
        assert latest_code(inbox, "during@example.org")
        assert app.worker_pids() == workers


# --- A worker killed mid-request -----------------------------------------------


def large_payload(marker: str) -> dict:
    """About 400 KB of draft, inside every JSON safety limit."""
    entry = {"title": f"{marker} entry", "body": f"{marker} " + "governance text " * 60}
    return {
        "title": f"Draft {marker}",
        "currentStep": "review",
        "sections": [{"categoryName": "Values", "entries": [dict(entry, n=i) for i in range(400)]}],
    }


def raw_put(app: App, cookie: str, body: bytes, *, send: int) -> socket.socket:
    """Open a connection and send the request head plus the first ``send`` bytes of ``body``."""
    sock = socket.create_connection(("127.0.0.1", app.port), timeout=10)
    head = (
        f"PUT /api/drafts/me HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nCookie: cr_session={cookie}\r\n\r\n"
    ).encode()
    sock.sendall(head + body[:send])
    return sock


def kill_worker_and_wait(app: App) -> None:
    (worker,) = app.worker_pids()
    os.kill(worker, signal.SIGKILL)
    deadline = time.monotonic() + 45
    while True:
        replacements = app.worker_pids() - {worker}
        if replacements:
            break
        assert time.monotonic() < deadline, "gunicorn did not replace the killed worker"
        time.sleep(0.05)
    app.wait_ready()
    # The pooled keep-alive connections died with the worker.
    cookies = app.http.cookies
    app.http = requests.Session()
    app.http.cookies.update(cookies)


def stored_payload(postgres, user_id: str):
    rows = postgres.query("SELECT payload FROM drafts_ruledraft WHERE user_id = %s", [user_id])
    assert len(rows) == 1
    return rows[0][0]


def test_worker_killed_mid_put_never_leaves_a_half_written_draft(postgres, inbox):
    env = app_env(database_url=postgres.url, email_url=f"smtp://127.0.0.1:{inbox.port}")
    with running_app(env) as app:
        user = sign_in(app, inbox, "killed@example.org")
        cookie = app.http.cookies.get("cr_session")
        old = large_payload("old")
        assert app.call("PUT", "/api/drafts/me", json={"payload": old}).status_code == HTTPStatus.OK

        # Killed while reading the body: the old draft stays, whole.
        new = large_payload("new")
        body = json.dumps({"payload": new}).encode()
        assert 300_000 < len(body) < 524_288
        sock = raw_put(app, cookie, body, send=len(body) // 2)
        time.sleep(0.3)
        kill_worker_and_wait(app)
        sock.close()
        assert stored_payload(postgres, user["id"]) == old

        # Killed at moments around the write: always one whole payload, old or new.
        current = old
        for attempt, delay in enumerate((0.0, 0.005, 0.02, 0.05, 0.15)):
            new = large_payload(f"try{attempt}")
            sock = raw_put(app, cookie, json.dumps({"payload": new}).encode(), send=10**9)
            time.sleep(delay)
            kill_worker_and_wait(app)
            sock.close()
            stored = stored_payload(postgres, user["id"])
            assert stored in (current, new), f"attempt {attempt}: a payload that is neither old nor new"
            print(f"faults: worker killed {delay * 1000:.0f} ms after the body was sent: "
                  f"{'new' if stored == new else 'old'} payload kept")
            current = stored

        # The replacement worker serves the same session and saves normally.
        final = large_payload("final")
        saved = app.call("PUT", "/api/drafts/me", json={"payload": final})
        assert saved.status_code == HTTPStatus.OK
        assert stored_payload(postgres, user["id"]) == final
