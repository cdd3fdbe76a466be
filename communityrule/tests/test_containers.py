"""Static checks of the container files (Docker does not run here): they parse,
and the services, ports and images are what the README says."""

import re
import shlex
import subprocess
import sys

import pytest
import yaml

from communityrule.tests.live import BASE_DIR, base_env


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile():
    # Join continuation lines so each instruction is one line.
    return re.sub(r"\\\n\s*", " ", (BASE_DIR / "Dockerfile").read_text())


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
    assert app["command"] == (
        'sh -c "python manage.py migrate --noinput && exec gunicorn -c gunicorn.conf.py communityrule.wsgi"'
    )
    env = app["environment"]
    assert env["DEBUG"] == "false"
    assert env["EMAIL_URL"] == "smtp://mailpit:1025"
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["AUTH_COOKIE_SECURE"] == "false"
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
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py", "communityrule.wsgi"]' in dockerfile
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
    settings_source = (BASE_DIR / "communityrule" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_source))
    assert read, "no env reads found in settings.py"
    documented = set(re.findall(r"^# ([A-Z_]+)=", example, re.M))
    assert read <= documented, sorted(read - documented)
    readme = (BASE_DIR / "README.md").read_text()
    assert {name for name in read if f"`{name}`" not in readme} == set()
