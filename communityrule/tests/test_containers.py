"""Checks of the container files (Docker does not run here): they parse, the
services, ports and images are what the README says, and their start commands,
run here with the compose environment, refuse a dangerous configuration
before gunicorn starts."""

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pytest
import yaml

from communityrule.tests.live import BASE_DIR, base_env, request

# The steps the start commands chain with && (communityrule/checks.py runs in the first).
CHECK_STEP = ["python", "manage.py", "check", "--deploy", "--fail-level", "ERROR"]
MIGRATE_STEP = ["python", "manage.py", "migrate", "--noinput"]
GUNICORN_STEP = ["exec", "gunicorn", "-c", "gunicorn.conf.py", "communityrule.wsgi"]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile():
    # Join continuation lines so each instruction is one line.
    return re.sub(r"\\\n\s*", " ", (BASE_DIR / "Dockerfile").read_text())


def dockerfile_cmd(dockerfile: str) -> list[str]:
    """The image's CMD as an argv (shell form becomes ``sh -c``, as Docker runs it)."""
    cmd = re.findall(r"^CMD (.*)$", dockerfile, re.M)[-1]
    return json.loads(cmd) if cmd.startswith("[") else ["/bin/sh", "-c", cmd]


def start_steps(command) -> list[list[str]]:
    """``sh -c "a && b && exec c"`` (a compose string or an argv) as [[a], [b], [exec, c]].

    Only ``&&`` may join the steps, so a failing step (the check) stops the start.
    """
    words = shlex.split(command) if isinstance(command, str) else list(command)
    assert words[:2] in (["sh", "-c"], ["/bin/sh", "-c"]) and len(words) == 3, words
    script = words[2]
    assert not re.search(r"[;|&\n`$]", script.replace("&&", "")), script
    return [shlex.split(step) for step in script.split("&&")]


def settings_variables() -> set[str]:
    """The environment variables communityrule/settings.py reads."""
    source = (BASE_DIR / "communityrule" / "settings.py").read_text()
    return set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', source))


def container_env(compose, **overrides) -> dict:
    """What the app container sees: compose's app environment and nothing from
    this machine that settings.py reads, plus ``overrides``; python and gunicorn
    are this virtualenv's."""
    read = settings_variables()
    assert {"DEBUG", "AUTH_COOKIE_SECURE", "VITALS_STORAGE"} <= read
    env = {k: v for k, v in base_env().items() if k not in read and not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(compose["services"]["app"]["environment"])
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(overrides)
    return env


def start(argv, env, log_path) -> subprocess.Popen:
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            argv, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_group(process: subprocess.Popen):
    """Kill whatever is left of what ``start`` began (its own process group),
    even when the shell itself has already gone."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_compose_services_images_and_ports(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "mailpit", "app"}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert services["mailpit"]["image"] == "axllent/mailpit"
    assert services["mailpit"]["ports"] == ["1025:1025", "8025:8025"]
    assert services["app"]["build"] == "."
    assert services["app"]["ports"] == ["8000:8000"]
    assert "ports" not in services["postgres"] and "ports" not in services["redis"]


def test_compose_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        assert service["healthcheck"]["test"], name


def test_compose_app_waits_for_healthy_database_and_migrates_first(compose):
    app = compose["services"]["app"]
    assert app["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert app["depends_on"]["redis"] == {"condition": "service_healthy"}
    env = app["environment"]
    assert env["DEBUG"] == "false"
    assert env["EMAIL_URL"] == "smtp://mailpit:1025"
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    # Secure stays on (its default); false would trip communityrule.E001 at start-up.
    assert "AUTH_COOKIE_SECURE" not in env
    postgres = compose["services"]["postgres"]["environment"]
    assert env["DATABASE_URL"] == (
        f"postgres://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{postgres['POSTGRES_DB']}"
    )
    assert len(env["SECRET_KEY"]) >= 50


def test_readme_describes_the_compose_file(compose):
    readme = (BASE_DIR / "README.md").read_text()
    assert "docker compose up" in readme
    for service in compose["services"].values():
        if "image" in service:
            assert f"`{service['image']}`" in readme
    for port in ("1025", "8025", "8000"):
        assert port in readme


def test_dockerfile_is_slim_non_root_with_healthcheck(dockerfile):
    assert dockerfile.startswith("# ") and "FROM python:3.11-slim\n" in dockerfile
    users = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    healthcheck = re.search(r"^HEALTHCHECK .*CMD (.*)$", dockerfile, re.M).group(1)
    assert "/api/health" in healthcheck and "urllib.request" in healthcheck
    assert "pip install -r requirements.txt" in dockerfile


def test_dockerfile_collectstatic_env_lets_settings_import(dockerfile, tmp_path):
    """Run the Dockerfile's collectstatic step here, with exactly its build-time env."""
    run = re.search(r"^RUN (.*collectstatic.*)$", dockerfile, re.M).group(1)
    words = shlex.split(run)
    assignments = dict(word.split("=", 1) for word in words if re.match(r"^[A-Z_]+=", word))
    command = [word for word in words if not re.match(r"^[A-Z_]+=", word)]
    assert assignments["DEBUG"] == "false"
    assert command == ["python", "manage.py", "collectstatic", "--noinput"]
    result = subprocess.run(
        [sys.executable, *command[1:], "--dry-run"],
        cwd=BASE_DIR,
        env=base_env(**assignments),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # "N static files copied to '...'[, M unmodified]" (M when staticfiles/ exists).
    counts = re.search(r"^(\d+) static files? copied to '[^']*'(?:, (\d+) unmodified)?", result.stdout, re.M)
    assert counts, result.stdout
    assert int(counts.group(1)) + int(counts.group(2) or 0) > 0, result.stdout


def test_gunicorn_config_reads_the_environment(tmp_path):
    code = (
        "import runpy, json; c = runpy.run_path('gunicorn.conf.py');"
        "print(json.dumps({k: c[k] for k in ('bind', 'workers', 'threads', 'worker_class',"
        " 'timeout', 'accesslog', 'errorlog', 'forwarded_allow_ips')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=base_env(PORT="9123", WEB_CONCURRENCY="3", GUNICORN_THREADS="5", FORWARDED_ALLOW_IPS="10.0.0.1"),
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    assert json.loads(result.stdout) == {
        "bind": "0.0.0.0:9123",
        "workers": 3,
        "threads": 5,
        "worker_class": "gthread",
        "timeout": 30,
        "accesslog": None,
        "errorlog": "-",
        "forwarded_allow_ips": "10.0.0.1",
    }


def test_env_example_documents_every_setting():
    example = (BASE_DIR / ".env.example").read_text()
    read = settings_variables()
    assert read, "no env reads found in settings.py"
    documented = set(re.findall(r"^# ([A-Z_]+)=", example, re.M))
    assert read <= documented, sorted(read - documented)
    readme = (BASE_DIR / "README.md").read_text()
    assert {name for name in read if f"`{name}`" not in readme} == set()


def test_start_commands_run_the_deploy_check_before_gunicorn(compose, dockerfile):
    """Image: check, then gunicorn. Compose: check, migrate, then gunicorn."""
    image = start_steps(dockerfile_cmd(dockerfile))
    app = start_steps(compose["services"]["app"]["command"])

    assert image == [CHECK_STEP, GUNICORN_STEP]
    assert app == [CHECK_STEP, MIGRATE_STEP, GUNICORN_STEP]


def test_image_start_with_the_compose_environment_passes_the_check_and_serves(compose, dockerfile, tmp_path):
    """The image's CMD as Docker runs it, with compose's app environment (the
    check never connects to the database): it checks, then exec's gunicorn,
    which answers and stops cleanly on SIGTERM."""
    port = free_port()
    env = container_env(compose, PORT=str(port), WEB_CONCURRENCY="1", GUNICORN_THREADS="1")
    log_path = tmp_path / "start.log"
    process = start(dockerfile_cmd(dockerfile), env, log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = request(f"http://127.0.0.1:{port}/api/nope")
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
        assert status == 404
        output = log_path.read_text()
        assert "System check identified" in output
        assert output.index("System check identified") < output.index("Starting gunicorn")
        # exec: the started process itself is now the gunicorn master, so
        # docker stop's SIGTERM reaches it.
        argv = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode().split("\0")
        assert Path(argv[1]).name == "gunicorn", argv  # python /path/to/gunicorn -c ...
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, log_path.read_text()
    finally:
        stop_group(process)


DANGEROUS = {
    "E001": {"AUTH_COOKIE_SECURE": "false"},
    "E002": {"TRUSTED_PROXY_COUNT": "3"},
    "E003": {"EMAIL_URL": "consolemail://"},
    "E004": {"VITALS_STORAGE": "db", "VITALS_RETENTION_DAYS": "0"},
}


def refused_start(argv, env, log_path) -> tuple[int, str]:
    """Run a start command that must stop at the check: (exit code, output)."""
    process = start(argv, env, log_path)
    try:
        returncode = process.wait(30)
    except subprocess.TimeoutExpired:
        pytest.fail("the start command did not stop at the check:\n" + log_path.read_text())
    finally:
        stop_group(process)
    return returncode, log_path.read_text()


@pytest.mark.parametrize("check_id", sorted(DANGEROUS))
def test_image_start_refuses_each_dangerous_setting(compose, dockerfile, tmp_path, check_id):
    env = container_env(compose, PORT=str(free_port()), WEB_CONCURRENCY="1", **DANGEROUS[check_id])

    returncode, output = refused_start(dockerfile_cmd(dockerfile), env, tmp_path / "start.log")

    assert returncode != 0, output
    assert set(re.findall(r"\(communityrule\.(E\d+)\)", output)) == {check_id}, output
    assert "gunicorn" not in output, output


def test_compose_start_refuses_an_insecure_cookie_before_migrating(compose, tmp_path):
    """What compose used to set (AUTH_COOKIE_SECURE=false) now stops the app
    container at the check, before migrate tries to reach the database."""
    argv = shlex.split(compose["services"]["app"]["command"])
    env = container_env(compose, PORT=str(free_port()), **DANGEROUS["E001"])

    returncode, output = refused_start(argv, env, tmp_path / "start.log")

    assert returncode != 0, output
    assert "(communityrule.E001)" in output, output
    assert "migrat" not in output.lower() and "gunicorn" not in output, output
