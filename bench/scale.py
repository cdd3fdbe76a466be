"""``make bench-scale``: the hot reads at 1,000 and at 1,000,000 rows, and cleanup_sessions
on 1,000,000 expired sessions.

In a fresh database (``<DATABASE_URL's name>_scale``, or one on the embedded
server under ``.data/bench-pg``), migrated, with production settings:

1. 1,000 sessions and 1,000 published rules (SQL, generate_series); time the
   session lookup, ``GET /api/auth/session``, the first ``GET /api/rules`` page
   and a page reached by cursor from the middle of the list.
2. Grow both tables to 1,000,000 rows and time the same; each must stay within
   1.5x of step 1.
3. Expire every session and run ``cleanup_sessions`` while another thread keeps
   reading a live session: report the duration, the number of statements, the
   slowest statement (must stay under about a second) and the reader's worst wait.

Timings are in-process (Django's test client, no HTTP): they isolate what the
table size changes — the queries — from the network and the load generator.

    python bench/scale.py [--rows 1000000] [--no-docs]
"""

import argparse
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

from run import (  # noqa: E402
    DOCS,
    SmtpSink,
    database_name,
    drop_database,
    machine,
    production_env,
    server_url,
    timed,
)

SMALL = 1000
USERS = 1000

GROW_SESSIONS = """
WITH u AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM accounts_user)
INSERT INTO accounts_loginsession (id, user_id, token_hash, created_at, expires_at, last_seen_at, ip, user_agent)
SELECT gen_random_uuid(), u.id, md5('a' || g) || md5('b' || g),
       now() - interval '1 day', now() + interval '29 days', now() - interval '1 hour',
       '203.0.113.7', 'scale'
FROM generate_series(%(start)s, %(stop)s) AS g JOIN u ON u.n = g %% {users}
""".format(users=USERS)

GROW_RULES = """
INSERT INTO rules_publishedrule (id, owner_id, title, summary, document, status, moderation_note,
                                 moderated_at, moderated_by_id, created_at, updated_at)
SELECT gen_random_uuid(), NULL, 'Rule ' || g, 'A generated rule.', '{"sections": []}'::jsonb,
       'published', '', NULL, NULL, now() - g * interval '1 second', now()
FROM generate_series(%(start)s, %(stop)s) AS g
"""


def grow(cursor, sql, *, start: int, stop: int, chunk: int = 250_000) -> None:
    for first in range(start, stop + 1, chunk):
        cursor.execute(sql, {"start": first, "stop": min(stop, first + chunk - 1)})


def measure(token: str, *, runs: int) -> dict:
    from django.db import connection
    from django.test import Client

    from accounts.authentication import find_session
    from rules.models import PublishedRule
    from rules.pagination import encode_cursor

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["cr_session"] = token
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM rules_publishedrule")
        (rules,) = cursor.fetchone()
    middle = PublishedRule.objects.visible().newest_first().only("id", "created_at")[rules // 2]
    cursor_value = encode_cursor(middle)

    def ok(response):
        assert response.status_code == 200, response.content[:200]
        return response

    first_page = ok(client.get("/api/rules")).json()
    assert len(first_page["rules"]) == 50 and first_page["nextCursor"]
    deep = ok(client.get("/api/rules", {"cursor": cursor_value})).json()
    assert len(deep["rules"]) == 50
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_loginsession")
        (sessions,) = cursor.fetchone()
    plan = explain_rules(cursor_value)
    return {
        "sessions": sessions,
        "rules": rules,
        "session_lookup": timed(lambda: find_session(token), runs=runs),
        "session_route": timed(lambda: ok(client.get("/api/auth/session")), runs=runs),
        "rules_first": timed(lambda: ok(client.get("/api/rules")), runs=runs),
        "rules_cursor": timed(lambda: ok(client.get("/api/rules", {"cursor": cursor_value})), runs=runs),
        "rules_plan": plan,
    }


def explain_rules(cursor_value: str) -> str:
    from django.db.models import Q

    from rules.models import PublishedRule
    from rules.pagination import decode_cursor

    created_at, rule_id = decode_cursor(cursor_value)
    queryset = (
        PublishedRule.objects.visible().newest_first().defer("document")
        .filter(created_at__lte=created_at).filter(Q(created_at__lt=created_at) | Q(id__lt=rule_id))[:51]
    )
    plan = queryset.explain(analyze=True)
    return next((line.strip() for line in plan.splitlines() if "Index" in line), plan.splitlines()[0])


def cleanup_under_traffic(token: str) -> dict:
    """Run cleanup_sessions while a reader keeps authenticating; time every statement."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection, connections

    from accounts.authentication import find_session

    statements = []

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append(((time.perf_counter() - started) * 1000, sql))

    stop = threading.Event()
    reader = {"max_ms": 0.0, "reads": 0, "misses": 0}

    def read():
        try:
            while not stop.is_set():
                started = time.perf_counter()
                if find_session(token) is None:
                    reader["misses"] += 1
                reader["max_ms"] = max(reader["max_ms"], (time.perf_counter() - started) * 1000)
                reader["reads"] += 1
                time.sleep(0.005)
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    output = StringIO()
    started = time.perf_counter()
    try:
        with connection.execute_wrapper(timer):
            call_command("cleanup_sessions", stdout=output)
    finally:
        duration = time.perf_counter() - started
        stop.set()
        thread.join()
    slowest_ms, slowest_sql = max(statements)
    return {
        "duration_s": duration,
        "statements": len(statements),
        "slowest_ms": slowest_ms,
        "slowest_sql": " ".join(slowest_sql.split())[:160],
        "over_1s": sum(1 for ms, _ in statements if ms > 1000),
        "output": output.getvalue().strip(),
        "reader": reader,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()

    database_url = server_url("scale")
    smtp = SmtpSink()
    env = production_env(database_url=database_url, email_port=smtp.port, extra={"LOG_LEVEL": "WARNING"})
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=BASE_DIR, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "communityrule.settings"
        import django

        django.setup()
        from django.db import connection

        from accounts.models import User
        from accounts.services import create_session

        print(f"scale: database {database_name(database_url)}", flush=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO accounts_user (id, password, is_superuser, email, is_staff, is_active, date_joined) "
                "SELECT gen_random_uuid(), '!', false, 'scale' || g || '@example.org', false, true, now() "
                "FROM generate_series(1, %s) AS g", [USERS])
        _, token = create_session(user=User.objects.create_user(f"reader-{secrets.token_hex(4)}@example.org"))
        with connection.cursor() as cursor:
            grow(cursor, GROW_SESSIONS, start=1, stop=SMALL - 1)
            grow(cursor, GROW_RULES, start=1, stop=SMALL)
            cursor.execute("VACUUM ANALYZE")
        small = measure(token, runs=args.runs)
        print(f"scale: {SMALL} rows {small}", flush=True)

        started = time.perf_counter()
        with connection.cursor() as cursor:
            grow(cursor, GROW_SESSIONS, start=SMALL, stop=args.rows - 1)
            grow(cursor, GROW_RULES, start=SMALL + 1, stop=args.rows)
            cursor.execute("VACUUM ANALYZE")
        generated = time.perf_counter() - started
        large = measure(token, runs=args.runs)
        print(f"scale: {args.rows} rows (generated in {generated:.0f} s) {large}", flush=True)

        with connection.cursor() as cursor:
            # One more generated session, so exactly ``rows`` of them end; the reader's stays live.
            grow(cursor, GROW_SESSIONS, start=args.rows, stop=args.rows)
            cursor.execute("UPDATE accounts_loginsession SET expires_at = now() - interval '1 minute' "
                           "WHERE user_agent = 'scale'")
            expired = cursor.rowcount
            cursor.execute("VACUUM ANALYZE accounts_loginsession")
        cleanup = cleanup_under_traffic(token)
        cleanup["expired"] = expired
        print(f"scale: cleanup {cleanup}", flush=True)
        section = render(small, large, cleanup, rows=args.rows, generated=generated, runs=args.runs)
        print("\n" + section)
        if not args.no_docs:
            write_docs(section)
            print(f"\nscale: wrote {DOCS.relative_to(BASE_DIR)}")
    finally:
        from django.db import connections

        connections.close_all()
        smtp.stop()
        drop_database(database_url)


def render(small, large, cleanup, *, rows, generated, runs) -> str:
    from datetime import datetime, timezone

    m = machine()
    names = [
        ("session_lookup", "session lookup (`find_session`, one query)"),
        ("session_route", "`GET /api/auth/session`"),
        ("rules_first", "`GET /api/rules` first page"),
        ("rules_cursor", "`GET /api/rules?cursor=` (cursor from the middle of the list)"),
    ]
    lines = [
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}, {m['nproc']} CPUs ({m['cpu']}), "
        f"command `make bench-scale`. Medians and p99 of {runs} in-process requests each.",
        "",
        f"| measure | {SMALL:,} rows: median / p99 ms | {rows:,} rows: median / p99 ms | ratio of medians |",
        "| --- | ---: | ---: | ---: |",
    ]
    for key, label in names:
        s, b = small[key], large[key]
        lines.append(f"| {label} | {s['median_ms']:.2f} / {s['p99_ms']:.2f} | {b['median_ms']:.2f} / "
                     f"{b['p99_ms']:.2f} | {b['median_ms'] / s['median_ms']:.2f} |")
    r = cleanup["reader"]
    lines += [
        "",
        f"Rows: {large['sessions']:,} sessions and {large['rules']:,} published rules, generated with "
        f"`generate_series` in {generated:.0f} s. Plan of the cursor page at {rows:,} rows: `{large['rules_plan']}`.",
        "",
        f"`cleanup_sessions` on {cleanup['expired']:,} expired sessions: {cleanup['duration_s']:.1f} s, "
        f"{cleanup['statements']} statements, slowest {cleanup['slowest_ms']:.0f} ms "
        f"({cleanup['over_1s']} over 1 s): `{cleanup['slowest_sql']}`. Output: \"{cleanup['output']}\". "
        f"Meanwhile a reader authenticated {r['reads']} times, worst {r['max_ms']:.0f} ms, "
        f"{r['misses']} misses.",
    ]
    return "\n".join(lines)


def write_docs(section: str) -> None:
    begin, end = "<!-- scale:begin -->", "<!-- scale:end -->"
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    if begin not in text:
        text += f"\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    DOCS.write_text(f"{head}{begin}\n{section}\n{end}{tail}")


if __name__ == "__main__":
    main()
