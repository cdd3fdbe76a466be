"""``make bench``: load-test the hot routes of a production-configured app.

Steps: a fresh benchmark database (``<DATABASE_URL's name>_bench`` on the
DATABASE_URL server, or a database on an embedded PostgreSQL under
``.data/bench-pg`` when DATABASE_URL is unset — never the app's own database),
a local SMTP sink, ``migrate``, data from bench/prepare.py, queries per request
from bench/queries.py, then gunicorn (gunicorn.conf.py, DEBUG=false) loaded
route by route with wrk (bench/wrk/route.lua) or, without wrk, the asyncio
client of bench/loadgen.py. ``GET /api/health`` runs first and last; each
route's ratio is to their mean. Worker RSS is read after the run.

    python bench/run.py [--duration 8] [--connections 16] [--workers N]
        [--threads N] [--worker-class gthread|sync] [--set KEY=VALUE ...]
        [--label NAME] [--no-docs] [--json FILE] [--routes a,b] [--asyncio]
"""

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR / "bench"))

import loadgen  # noqa: E402
from payloads import draft_body, vitals_body  # noqa: E402

DOCS = BASE_DIR / "docs" / "benchmarks.md"
PYTHON = sys.executable

# (name, method, path, body kind, signed in, random client IP)
ROUTES = [
    ("health", "GET", "/api/health", None, False, False),
    ("session", "GET", "/api/auth/session", None, True, False),
    ("drafts_get", "GET", "/api/drafts/me", None, True, False),
    ("drafts_put", "PUT", "/api/drafts/me", "draft", True, False),
    ("rules", "GET", "/api/rules", None, False, False),
    ("templates", "GET", "/api/templates", None, False, False),
    ("vitals", "POST", "/api/web-vitals", "vitals", False, True),
    ("health", "GET", "/api/health", None, False, False),
]
LABELS = {
    "health": "GET /api/health",
    "session": "GET /api/auth/session (cookie)",
    "drafts_get": "GET /api/drafts/me (5 KB draft)",
    "drafts_put": "PUT /api/drafts/me (5 KB payload)",
    "rules": "GET /api/rules (first page of 50)",
    "templates": "GET /api/templates",
    "vitals": "POST /api/web-vitals (log mode)",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def server_url(suffix: str) -> str:
    """A DATABASE_URL for a fresh database ``<base>_<suffix>`` (dropped and recreated)."""
    import psycopg

    base = os.environ.get("DATABASE_URL", "")
    if base:
        name = f"{database_name(base) or 'communityrule'}_{suffix}"
        url = with_database(base, name)
        maintenance = with_database(base, "postgres")
    else:
        import pgserver

        server = pgserver.get_server(BASE_DIR / ".data" / "bench-pg", cleanup_mode=None)
        socket_dir = server.get_postmaster_info().socket_dir
        name = f"communityrule_{suffix}"
        url = f"postgresql://postgres@/{name}?host={socket_dir}"
        maintenance = f"postgresql://postgres@/postgres?host={socket_dir}"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url


def drop_database(url: str) -> None:
    import psycopg

    maintenance = with_database(url, "postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')


class SmtpSink:
    """aiosmtpd on a free port that accepts and discards every message."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        class Discard:
            async def handle_DATA(self, server, session, envelope):
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Discard(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()


def production_env(*, database_url: str, email_port: int, extra: dict) -> dict:
    ours = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "EMAIL_", "AUTH_", "SECURE_",
            "TRUSTED_", "VITALS_", "LOG_", "CACHE_KEY_PREFIX", "WEB_CONCURRENCY", "GUNICORN_",
            "CONN_MAX_AGE", "DJANGO_SETTINGS_MODULE", "PORT")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DATABASE_URL=database_url,
        EMAIL_URL=f"smtp://127.0.0.1:{email_port}",
        # Plain http on the loopback: no Secure cookie, no proxy scheme header.
        AUTH_COOKIE_SECURE="false",
        SECURE_PROXY_SSL_HEADER="false",
        SECURE_HSTS_SECONDS="0",
        # The load generator plays a proxy in front of many clients (web-vitals
        # sends a random X-Forwarded-For per request, so its per-IP limit counts
        # real, distinct clients).
        TRUSTED_PROXY_COUNT="1",
        VITALS_STORAGE="log",
        CACHE_KEY_PREFIX=f"bench-{secrets.token_hex(4)}",
    )
    env.update(extra)
    return env


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def prepare_data(env: dict, workdir: Path) -> dict:
    """Request bodies in ``workdir`` and users, sessions, drafts and rules via bench/prepare.py.

    Returns the files by kind: ``tokens`` (one session cookie per line), ``draft``, ``vitals``.
    """
    files = {"tokens": workdir / "tokens.txt", "draft": workdir / "draft.json",
             "vitals": workdir / "vitals.json"}
    files["draft"].write_bytes(draft_body())
    files["vitals"].write_bytes(vitals_body())
    subprocess.run([PYTHON, "bench/prepare.py", "--tokens-file", str(files["tokens"])],
                   cwd=BASE_DIR, env=env, check=True)
    return files


def timed(call, *, runs: int, warmup: int = 20) -> dict:
    """Median and p99 milliseconds of ``runs`` calls after ``warmup`` unmeasured ones."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"median_ms": statistics.median(samples), "p99_ms": samples[int(len(samples) * 0.99) - 1]}


def gunicorn_defaults(env: dict) -> dict:
    """workers, threads and worker class as gunicorn.conf.py computes them under ``env``."""
    namespace = {}
    saved = dict(os.environ)
    try:
        os.environ.update(env)
        exec(compile((BASE_DIR / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {"workers": namespace.get("workers", 1), "threads": namespace.get("threads", 1),
            "worker_class": namespace.get("worker_class", "sync")}


def start_app(env, *, port, workers, threads, worker_class, log, cwd=BASE_DIR):
    """gunicorn serving the checkout at ``cwd`` (bench/ab.py also starts a baseline's)."""
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads), "--worker-class", worker_class,
         "communityrule.wsgi"],
        cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as r:
                if r.status == 200:
                    return process
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not become healthy")


def load(route, *, port, files, tokens, duration, connections, use_wrk):
    name, method, path, body_kind, signed_in, xff = route
    if use_wrk:
        env = dict(os.environ, BENCH_METHOD=method, BENCH_PATH=path, BENCH_XFF="1" if xff else "0")
        if body_kind:
            env["BENCH_BODY_FILE"] = str(files[body_kind])
        if signed_in:
            env["BENCH_COOKIES_FILE"] = str(files["tokens"])
        output = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s",
             "-s", str(BASE_DIR / "bench" / "wrk" / "route.lua"), f"http://127.0.0.1:{port}"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout
        return json.loads(output.split("BENCH_JSON ", 1)[1].splitlines()[0])
    body = files[body_kind].read_bytes() if body_kind else None
    return loadgen.run(host="127.0.0.1", port=port, method=method, path=path, body=body,
                       tokens=tokens if signed_in else (), xff=xff, connections=connections,
                       duration=duration)


def worker_rss(master_pid: int) -> list[int]:
    import psutil

    return sorted(child.memory_info().rss for child in psutil.Process(master_pid).children())


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {"nproc": os.cpu_count(), "memory_gib": round(mem_kb / 1024 / 1024, 1), "cpu": cpu,
            "kernel": platform.release(), "python": platform.python_version(),
            "load_before": os.getloadavg()[0]}


def postgres_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0].split()[0]


def shown_command(argv: list[str]) -> str:
    """The make command that reproduces the table (``--json FILE`` only adds a file)."""
    shown = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--json":
            skip = True
        elif not arg.startswith("--json="):
            shown.append(arg)
    return "make bench" + (f" BENCH_ARGS='{' '.join(shown)}'" if shown else "")


def queries_cell(counted) -> str:
    if not counted:
        return "?"
    if counted["transaction"]:
        return f"{counted['statements']} + BEGIN/COMMIT"
    return str(counted["statements"])


def render(result: dict) -> str:
    rows = result["routes"]
    health = [r for r in rows if r["name"] == "health"]
    base_rps = sum(r["rps"] for r in health) / len(health)
    m, g = result["machine"], result["gunicorn"]
    lines = [
        f"Run {result['started']} (label `{result['label']}`): {m['nproc']} CPUs ({m['cpu']}), "
        f"{m['memory_gib']} GiB RAM, Linux {m['kernel']}, Python {m['python']}, "
        f"PostgreSQL {result['postgres']}, cache {result['cache']}, load average before {m['load_before']:.2f}.",
        f"gunicorn: {g['workers']} workers x {g['threads']} threads, `{g['worker_class']}`; "
        f"load generator: {result['generator']}, {result['connections']} connections, "
        f"{result['duration']} s per route after a {result['warmup']} s warm-up.",
        f"Command: `{result['command']}`",
        "",
        "| route | req/s | p50 ms | p99 ms | errors | queries/req | ratio to health |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {LABELS[r['name']]} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
            f"{r['errors']} | {queries_cell(result['queries'].get(r['name']))} | {r['rps'] / base_rps:.2f} |"
        )
    rss = result["worker_rss_mib"]
    lines += ["", f"Worker RSS after the run: {', '.join(f'{v:.0f}' for v in rss)} MiB "
              f"(master {result['master_rss_mib']:.0f} MiB). Server log: {result['log_problems']}."]
    return "\n".join(lines)


def write_docs(section: str) -> None:
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    text = DOCS.read_text() if DOCS.exists() else f"# Benchmarks\n\n{begin}\n{end}\n"
    if begin not in text:
        text += f"\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    DOCS.write_text(f"{head}{begin}\n{section}\n{end}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--worker-class")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for the app, e.g. CONN_MAX_AGE=0")
    parser.add_argument("--label", default="default")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--json")
    parser.add_argument("--routes", help="comma list of route names to run (health always runs)")
    parser.add_argument("--asyncio", action="store_true", help="use bench/loadgen.py even if wrk is installed")
    args = parser.parse_args()
    use_wrk = bool(shutil.which("wrk")) and not args.asyncio

    extra = dict(item.split("=", 1) for item in args.set)
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    info = machine()
    database_url = server_url("bench")
    smtp = SmtpSink()
    workdir = Path(tempfile.mkdtemp(prefix="cr-bench-"))
    process = None
    try:
        env = production_env(database_url=database_url, email_port=smtp.port, extra=extra)
        defaults = gunicorn_defaults(env)
        gun = {"workers": args.workers or defaults["workers"],
               "threads": args.threads or defaults["threads"],
               "worker_class": args.worker_class or defaults["worker_class"]}
        print(f"bench: database {database_name(database_url)}, gunicorn {gun}", flush=True)
        manage(env, "migrate", "--noinput")
        files = prepare_data(env, workdir)
        queries = json.loads(subprocess.run(
            [PYTHON, "bench/queries.py", str(files["tokens"])], cwd=BASE_DIR, env=env, check=True,
            capture_output=True, text=True).stdout.strip().splitlines()[-1])
        print(f"bench: queries per request {queries}", flush=True)
        tokens = files["tokens"].read_text().split()

        port = free_port()
        log = open(workdir / "gunicorn.log", "w+")
        process = start_app(env, port=port, log=log, **gun)
        selected = set(args.routes.split(",")) | {"health"} if args.routes else None
        rows = []
        for route in ROUTES:
            if selected and route[0] not in selected:
                continue
            load(route, port=port, files=files, tokens=tokens, duration=args.warmup,
                 connections=args.connections, use_wrk=use_wrk)
            figures = load(route, port=port, files=files, tokens=tokens, duration=args.duration,
                           connections=args.connections, use_wrk=use_wrk)
            errors = sum(v for k, v in figures.items() if k.startswith("errors_"))
            row = {"name": route[0], "rps": figures["requests"] / (figures["duration_us"] / 1e6),
                   "p50_ms": figures["p50_us"] / 1000, "p99_ms": figures["p99_us"] / 1000,
                   "errors": errors, "raw": figures}
            rows.append(row)
            print(f"bench: {LABELS[route[0]]:40} {row['rps']:8.0f} req/s  p50 {row['p50_ms']:6.2f} ms  "
                  f"p99 {row['p99_ms']:7.2f} ms  errors {errors}", flush=True)
        import psutil

        rss = [v / 2**20 for v in worker_rss(process.pid)]
        master_rss = psutil.Process(process.pid).memory_info().rss / 2**20
        log.flush()
        log.seek(0)
        server_log = log.read()
        problems = [n for n, pattern in (("tracebacks", "Traceback"), ("worker timeouts", "WORKER TIMEOUT"),
                                         ("500 responses", '"status": 500'))
                    if pattern in server_log]
        result = {
            "label": args.label, "started": started, "machine": info, "gunicorn": gun,
            "postgres": postgres_version(database_url),
            "cache": "Redis" if env.get("REDIS_URL") else "per-process memory",
            "generator": "wrk 4 (bench/wrk/route.lua)" if use_wrk else "asyncio fallback (bench/loadgen.py)",
            "connections": args.connections, "duration": args.duration, "warmup": args.warmup,
            "command": shown_command(sys.argv[1:]),
            "routes": rows, "queries": queries, "worker_rss_mib": rss, "master_rss_mib": master_rss,
            "log_problems": ", ".join(problems) if problems else "no tracebacks, no 500s, no worker timeouts",
            "settings": extra,
        }
        section = render(result)
        print("\n" + section)
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2))
        if not args.no_docs:
            write_docs(section)
            print(f"\nbench: wrote {DOCS.relative_to(BASE_DIR)}")
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        smtp.stop()
        drop_database(database_url)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
