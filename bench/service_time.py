"""Service time of single requests, in-process: the before/after figures of "Tuning" in
docs/benchmarks.md.

In a fresh database (``<DATABASE_URL's name>_svc``, or one on the embedded
server under ``.data/bench-pg``), migrated and filled by bench/prepare.py,
with production settings: the median and p99 of ``--runs`` requests through
Django's test client (no HTTP, no load generator, nothing queued) for
``GET /api/health``, ``GET /api/rules`` (50 of 1,000 rules),
``GET /api/rules/me`` (the owner of all 1,000; a fifth of the runs) and ``PUT /api/drafts/me``
(the 5 KB payload of the load test), with the database round trips of each
(statements, and ``BEGIN``/``COMMIT`` apart). Then two pieces alone: the
draft upsert (``drafts.services.save_draft`` with that payload, in
autocommit as in production), and the rendering of one 50-rule page,
``RulePageSerializer(...).data`` against ``rule_page(...)`` when
rules/serializers.py has it.

    python bench/service_time.py [--runs 500] [--json FILE]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

import run  # noqa: E402
from run import SmtpSink, database_name, drop_database, production_env, server_url  # noqa: E402


def timed(call, *, runs: int) -> dict:
    return {key: round(ms, 3) for key, ms in run.timed(call, runs=runs, warmup=30).items()}


def round_trips(call) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    sql = [query["sql"] for query in captured.captured_queries]
    control = sum(1 for text in sql if text in ("BEGIN", "COMMIT", "ROLLBACK"))
    return {"statements": len(sql) - control, "transaction": control}


def measure(*, runs: int) -> dict:
    from django.test import Client

    from accounts.services import create_session
    from drafts.services import save_draft
    from payloads import draft_body
    from rules import serializers
    from rules.models import PublishedRule
    from rules.pagination import page

    # bench/prepare.py gives every rule the same owner.
    owner = PublishedRule.objects.select_related("owner").first().owner
    _, token = create_session(user=owner)
    anonymous = Client(HTTP_HOST="127.0.0.1")
    signed_in = Client(HTTP_HOST="127.0.0.1")
    signed_in.cookies["cr_session"] = token
    body = draft_body()

    def ok(response):
        assert response.status_code == 200, response.content[:300]
        return response

    routes = {
        "health": lambda: ok(anonymous.get("/api/health")),
        "rules": lambda: ok(anonymous.get("/api/rules")),
        "rules_me": lambda: ok(signed_in.get("/api/rules/me")),
        "drafts_put": lambda: ok(signed_in.put("/api/drafts/me", body, content_type="application/json")),
    }
    assert len(routes["rules"]().json()["rules"]) == 50
    assert len(routes["rules_me"]().json()["rules"]) == PublishedRule.objects.count()
    result = {}
    for name, call in routes.items():
        # 1,000 rules per request: a fifth of the runs says as much.
        count = max(20, runs // 5) if name == "rules_me" else runs
        result[name] = {**timed(call, runs=count), **round_trips(call)}
        print(f"service_time: {name} {result[name]}", flush=True)

    payload = json.loads(body)["payload"]
    result["save_draft"] = {**timed(lambda: save_draft(user=owner, payload=payload), runs=runs),
                            **round_trips(lambda: save_draft(user=owner, payload=payload))}
    print(f"service_time: save_draft {result['save_draft']}", flush=True)

    rules, next_cursor = page(PublishedRule.objects.visible().newest_first().defer("document"),
                              limit=50, cursor=None)
    render = {"serializer": lambda: serializers.RulePageSerializer({"rules": rules, "nextCursor": next_cursor}).data}
    if hasattr(serializers, "rule_page"):
        render["rule_page"] = lambda: serializers.rule_page(rules, next_cursor=next_cursor)
        assert render["rule_page"]() == render["serializer"](), "rule_page differs from RulePageSerializer"
    for name, call in render.items():
        result[f"render_{name}"] = timed(call, runs=runs)
        print(f"service_time: render 50 rules with {name} {result[f'render_{name}']}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--json")
    args = parser.parse_args()

    database_url = server_url("svc")
    smtp = SmtpSink()
    env = production_env(database_url=database_url, email_port=smtp.port, extra={"LOG_LEVEL": "WARNING"})
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=BASE_DIR, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        with tempfile.NamedTemporaryFile(suffix=".txt") as tokens:
            subprocess.run([sys.executable, "bench/prepare.py", "--tokens-file", tokens.name],
                           cwd=BASE_DIR, env=env, check=True)
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "communityrule.settings"
        import django

        django.setup()
        print(f"service_time: database {database_name(database_url)}, {args.runs} runs each", flush=True)
        result = measure(runs=args.runs)
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2))
    finally:
        from django.db import connections

        connections.close_all()
        smtp.stop()
        drop_database(database_url)


if __name__ == "__main__":
    main()
