"""Queries per request of each benchmarked route, counted without DEBUG.

Runs every route through Django's test client against the prepared benchmark
database, inside ``CaptureQueriesContext`` (which forces the cursor wrapper on
for its block only), and prints one JSON object: {route name: {"statements": n, "transaction": BEGIN/COMMIT count}}.
Each route runs twice and the second run counts: a first request may warm
per-process caches (content types, the seeded template ETag) that steady
traffic never pays for.
"""

import json
import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "communityrule.settings")


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from payloads import draft_body, vitals_body

    token = Path(sys.argv[1]).read_text().split()[0]
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["cr_session"] = token
    anonymous = Client(HTTP_HOST="127.0.0.1")
    calls = {
        "health": lambda: anonymous.get("/api/health"),
        "session": lambda: client.get("/api/auth/session"),
        "drafts_get": lambda: client.get("/api/drafts/me"),
        "drafts_put": lambda: client.put("/api/drafts/me", draft_body(), content_type="application/json"),
        "rules": lambda: anonymous.get("/api/rules"),
        "templates": lambda: anonymous.get("/api/templates"),
        "vitals": lambda: anonymous.post("/api/web-vitals", vitals_body(), content_type="application/json"),
    }
    counts = {}
    for name, call in calls.items():
        call()
        with CaptureQueriesContext(connection) as captured:
            response = call()
        if response.status_code != 200:
            raise SystemExit(f"{name}: HTTP {response.status_code} {response.content[:300]!r}")
        sql = [query["sql"] for query in captured.captured_queries]
        # Django 5 also records transaction control; it is a round trip too, counted apart.
        control = sum(1 for text in sql if text in ("BEGIN", "COMMIT", "ROLLBACK"))
        counts[name] = {"statements": len(sql) - control, "transaction": control}
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
