"""Benchmark data, written through the ORM and services (not the OTP routes, whose limits
would throttle the set-up): signed-in users with a 5 KB draft each, published rules and
the seeded templates. Run with the benchmark's environment (bench/run.py does).

    python bench/prepare.py --users 200 --rules 1000 --tokens-file tokens.txt
"""

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "communityrule.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--tokens-file", required=True)
    args = parser.parse_args()

    import json

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from accounts.services import create_session
    from drafts.services import save_draft
    from payloads import draft_body
    from rules.models import PublishedRule

    call_command("seed_templates", verbosity=0)
    tokens = []
    for index in range(args.users):
        user = User.objects.create_user(f"bench{index}@example.org")
        _, token = create_session(user=user)
        tokens.append(token)
        save_draft(user=user, payload=json.loads(draft_body(seed=str(index)))["payload"])
    Path(args.tokens_file).write_text("\n".join(tokens) + "\n")

    owner = User.objects.order_by("email").first()
    now = timezone.now()
    PublishedRule.objects.bulk_create(
        PublishedRule(
            owner=owner,
            title=f"Published rule {index}",
            summary="A rule published for the benchmark.",
            document={"sections": [{"categoryName": "Values", "entries": []}]},
            created_at=now - timedelta(seconds=index),
        )
        for index in range(args.rules)
    )
    print(f"prepared {args.users} signed-in users with drafts, {args.rules} rules, seeded templates")


if __name__ == "__main__":
    main()
