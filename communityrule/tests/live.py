"""Run the app for real: gunicorn (gunicorn.conf.py) in a subprocess, production settings.

Used where the test client cannot reach: a database that goes away and comes
back while the app keeps running.
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "t3st-0nly-Kx9vQ2mZ7pL4wR8nB6cF1hJ5dS3gA0eY-uT_iO9rE2wQ7zX4cV8bN6mM",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "EMAIL_URL": "consolemail://",
}


def base_env(**overrides) -> dict:
    """The current environment without our settings variables, plus ``overrides``."""
    ours = {
        "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "EMAIL_URL",
        "EMAIL_BACKEND", "DJANGO_SETTINGS_MODULE", "CACHE_KEY_PREFIX", "WEB_CONCURRENCY",
    }
    env = {key: value for key, value in os.environ.items() if key not in ours}
    env.update(overrides)
    return env


def request(url, method="GET"):
    """(status, parsed JSON body or None) for ``url``; never raises on HTTP errors."""
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    return status, json.loads(raw) if raw else None


class LiveApp:
    """gunicorn serving the project on ``port`` until :meth:`stop`."""

    def __init__(self, *, port: int, env: dict):
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "communityrule.wsgi"],
            cwd=BASE_DIR,
            env=base_env(PORT=str(port), WEB_CONCURRENCY="1", GUNICORN_THREADS="2", **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                request(self.base + "/api/nope")
                return
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"gunicorn did not start:\n{self.output}")
                time.sleep(0.1)

    def get(self, path, method="GET"):
        return request(self.base + path, method=method)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output = self.process.stdout.read().decode(errors="replace")
        return self.output
