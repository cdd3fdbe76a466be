"""``python bench/ab.py --baseline DIR``: this checkout against another, under the same load, interleaved.

Both checkouts are served at once, each by its own gunicorn (gunicorn.conf.py,
the production settings of bench/run.py), on one fresh database
(``<DATABASE_URL's name>_ab``, or one on the embedded server under
``.data/bench-pg``) filled by bench/prepare.py. Each round loads every
selected route on one app and then at once on the other, in short bursts
(wrk, or bench/loadgen.py without it), the order of the two alternating from
round to round; ``GET /api/health`` is one of the routes. Whatever else the
machine is doing — which moves the absolute rates of ``make bench`` by ±20 %
from run to run, and even its ratios when the other load changes during a
run — hits both halves of a pair about alike; the median over the rounds of
(this checkout's requests/s) / (the baseline's) is one figure to read.

The other is the CPU time per request: user + system time of the app's
gunicorn workers and of its PostgreSQL backends (told apart by
``application_name``), read from /proc before and after each burst, divided
by the requests served. Other processes on the machine slow a burst down but
do not add to that time, so it stays comparable when the throughput does not
(the identical ``GET /api/health`` of both apps is the control).

A baseline is any checkout of the project, e.g.
``git archive <commit> | tar -x -C /tmp/baseline``; it runs with this
checkout's Python and its own bench/queries.py.

    python bench/ab.py --baseline DIR [--routes rules,drafts_put] [--rounds 8]
        [--duration 4] [--warmup 2] [--connections 16] [--asyncio] [--json FILE]
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import psycopg

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR / "bench"))

from run import (  # noqa: E402
    LABELS,
    PYTHON,
    ROUTES,
    SmtpSink,
    database_name,
    drop_database,
    free_port,
    gunicorn_defaults,
    load,
    machine,
    manage,
    prepare_data,
    production_env,
    queries_cell,
    server_url,
    start_app,
)

SIDES = ("baseline", "this")


def named(url: str, application_name: str) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=f"{query}application_name={application_name}"))


def cpu_times(master_pid: int, backend_pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) so far of each gunicorn worker and PostgreSQL backend."""
    times = {}
    pids = [child.pid for child in psutil.Process(master_pid).children()] + backend_pids
    for pid in pids:
        try:
            cpu = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        times[pid] = cpu.user + cpu.system
    return times


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> tuple[float, int]:
    """CPU seconds between two readings, and how many processes vanished in between (their share is lost)."""
    spent = sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
    return spent, sum(1 for pid in before if pid not in after)


def render(result: dict) -> str:
    m, g = result["machine"], result["gunicorn"]
    lines = [
        f"Run {result['started']}: {m['nproc']} CPUs ({m['cpu']}), load average before "
        f"{m['load_before']:.2f}; both apps {g['workers']} workers x {g['threads']} threads "
        f"`{g['worker_class']}`, {result['connections']} connections, {result['rounds']} rounds of "
        f"{result['duration']} s per route and app. Baseline: `{result['baseline']}`.",
        "",
        "| route | req/s: baseline / this | req/s this / baseline: median (range) | ratio to health: baseline → this "
        "| CPU ms/req: baseline / this | CPU this / baseline: median (range) | queries/req: baseline → this |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]

    def spread(values):
        return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"

    for name, row in result["routes"].items():
        b, t = row["baseline"], row["this"]
        lines.append(
            f"| {LABELS[name]} | {b['median_rps']:.0f} / {t['median_rps']:.0f} | {spread(row['rps_pairs'])} | "
            f"{b['health_ratio']:.2f} → {t['health_ratio']:.2f} | "
            f"{b['median_cpu_ms']:.2f} / {t['median_cpu_ms']:.2f} | {spread(row['cpu_pairs'])} | "
            f"{queries_cell(result['queries']['baseline'].get(name))} → "
            f"{queries_cell(result['queries']['this'].get(name))} |"
        )
    lines += ["", f"Errors: {result['errors']}. Server logs: {result['log_problems']}. "
              f"Processes that ended during a burst (CPU share lost): {result['vanished']}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="another checkout of the project")
    parser.add_argument("--routes", default="rules,drafts_put", help="comma list (health always runs)")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--duration", type=float, default=4)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--asyncio", action="store_true", help="use bench/loadgen.py even if wrk is installed")
    parser.add_argument("--json")
    args = parser.parse_args()
    baseline = Path(args.baseline).resolve()
    if not (baseline / "manage.py").is_file():
        raise SystemExit(f"{baseline} is not a checkout of the project (no manage.py)")
    use_wrk = bool(shutil.which("wrk")) and not args.asyncio
    routes = {route[0]: route for route in ROUTES}
    selected = ["health", *(name for name in args.routes.split(",") if name != "health")]
    unknown = [name for name in selected if name not in routes]
    if unknown:
        raise SystemExit(f"unknown routes {unknown}; known: {sorted(routes)}")
    paths = {"baseline": baseline, "this": BASE_DIR}

    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    info = machine()
    database_url = server_url("ab")
    smtp = SmtpSink()
    workdir = Path(tempfile.mkdtemp(prefix="cr-ab-"))
    apps = {}
    try:
        env = production_env(database_url=database_url, email_port=smtp.port, extra={})
        # One SECRET_KEY for both: the prepared sessions' token hashes are keyed with it.
        app_env = {side: dict(env, DATABASE_URL=named(database_url, f"ab-{side}")) for side in SIDES}
        gun = gunicorn_defaults(env)
        print(f"ab: database {database_name(database_url)}, gunicorn {gun}, routes {selected}", flush=True)
        manage(env, "migrate", "--noinput")
        files = prepare_data(env, workdir)
        tokens = files["tokens"].read_text().split()
        queries = {
            side: json.loads(subprocess.run(
                [PYTHON, "bench/queries.py", str(files["tokens"])], cwd=path, env=env, check=True,
                capture_output=True, text=True).stdout.strip().splitlines()[-1])
            for side, path in paths.items()
        }
        print(f"ab: queries per request {queries}", flush=True)
        for side, path in paths.items():
            log = open(workdir / f"{side}.log", "w+")
            port = free_port()
            apps[side] = {"port": port, "log": log,
                          "process": start_app(app_env[side], port=port, log=log, cwd=path, **gun)}
        monitor = psycopg.connect(database_url, autocommit=True)

        def backends(side):
            rows = monitor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                                   [f"ab-{side}"]).fetchall()
            return [pid for (pid,) in rows]

        def burst(side, name, duration):
            before = cpu_times(apps[side]["process"].pid, backends(side))
            figures = load(routes[name], port=apps[side]["port"], files=files, tokens=tokens,
                           duration=duration, connections=args.connections, use_wrk=use_wrk)
            spent, vanished = cpu_spent(before, cpu_times(apps[side]["process"].pid, backends(side)))
            return figures, spent, vanished

        for name in selected:
            for side in SIDES:
                burst(side, name, args.warmup)
        rps = {side: {name: [] for name in selected} for side in SIDES}
        cpu_ms = {side: {name: [] for name in selected} for side in SIDES}
        errors = vanished = 0
        for number in range(args.rounds):
            order = SIDES if number % 2 == 0 else SIDES[::-1]
            for name in selected:
                for side in order:
                    figures, spent, lost = burst(side, name, args.duration)
                    errors += sum(v for k, v in figures.items() if k.startswith("errors_"))
                    vanished += lost
                    rps[side][name].append(figures["requests"] / (figures["duration_us"] / 1e6))
                    cpu_ms[side][name].append(spent * 1000 / figures["requests"])
            print(f"ab: round {number + 1}: req/s and CPU per request, this / baseline: " + ", ".join(
                f"{name} {rps['this'][name][-1] / rps['baseline'][name][-1]:.2f} "
                f"{cpu_ms['this'][name][-1] / cpu_ms['baseline'][name][-1]:.2f}" for name in selected), flush=True)
        monitor.close()

        problems = set()
        for app in apps.values():
            app["log"].flush()
            app["log"].seek(0)
            text = app["log"].read()
            problems.update(n for n, pattern in (("tracebacks", "Traceback"), ("worker timeouts", "WORKER TIMEOUT"),
                                                 ("500 responses", '"status": 500')) if pattern in text)
        result = {
            "started": started, "machine": info, "gunicorn": gun, "baseline": str(baseline),
            "connections": args.connections, "rounds": args.rounds, "duration": args.duration,
            "queries": queries, "errors": errors, "vanished": vanished,
            "log_problems": ", ".join(sorted(problems)) or "no tracebacks, no 500s, no worker timeouts",
            "routes": {
                name: {
                    "rps_pairs": [t / b for t, b in zip(rps["this"][name], rps["baseline"][name])],
                    "cpu_pairs": [t / b for t, b in zip(cpu_ms["this"][name], cpu_ms["baseline"][name])],
                    **{side: {"rps": rps[side][name], "median_rps": statistics.median(rps[side][name]),
                              "health_ratio": statistics.median(
                                  r / h for r, h in zip(rps[side][name], rps[side]["health"])),
                              "cpu_ms": cpu_ms[side][name], "median_cpu_ms": statistics.median(cpu_ms[side][name])}
                       for side in SIDES},
                }
                for name in selected
            },
        }
        section = render(result)
        print("\n" + section)
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2))
    finally:
        for app in apps.values():
            if app["process"].poll() is None:
                app["process"].terminate()
                try:
                    app["process"].wait(15)
                except subprocess.TimeoutExpired:
                    app["process"].kill()
        smtp.stop()
        drop_database(database_url)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
