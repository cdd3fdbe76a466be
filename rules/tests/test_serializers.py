import json
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rules.models import PublishedRule
from rules.pagination import page
from rules.serializers import OwnRulesSerializer, RulePageSerializer, own_rules, rule_page, timestamp


def same_json(built, serialized):
    # Compared as JSON text: the same keys in the same order, the same strings.
    assert json.dumps(built) == json.dumps(serialized)


def varied_rules(make_rule):
    """Rules that exercise every field's edge: null and non-ASCII summaries, whole seconds, hidden."""
    make_rule("Plain", summary="A summary.", age_minutes=5)
    make_rule("Ünïcode ✓ \"quoted\"", summary=None, age_minutes=4)
    make_rule("Whole second", summary="", created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    make_rule("Hidden", summary="h", status=PublishedRule.Status.HIDDEN, age_minutes=3)
    make_rule("Last", age_minutes=1)


def test_rule_page_is_what_rule_page_serializer_renders(make_rule):
    varied_rules(make_rule)
    rules, next_cursor = page(PublishedRule.objects.newest_first().defer("document"), limit=3, cursor=None)
    assert next_cursor

    for cursor in (next_cursor, None):
        serialized = RulePageSerializer({"rules": rules, "nextCursor": cursor}).data
        same_json(rule_page(rules, next_cursor=cursor), serialized)
    assert [item["title"] for item in serialized["rules"]] == ["Last", "Hidden", "Ünïcode ✓ \"quoted\""]


def test_own_rules_is_what_own_rules_serializer_renders(make_rule):
    varied_rules(make_rule)
    rules = list(PublishedRule.objects.newest_first().defer("document"))

    serialized = OwnRulesSerializer({"rules": rules}).data

    same_json(own_rules(rules), serialized)
    assert {item["status"] for item in serialized["rules"]} == {"published", "hidden"}
    assert own_rules([]) == {"rules": []}


def test_timestamps_in_other_zones_are_rendered_in_utc():
    # Not from the database (which hands out UTC): an instance built in memory.
    rule = PublishedRule(
        id=uuid.UUID("00000000-0000-4000-8000-000000000001"),
        title="t",
        summary=None,
        created_at=datetime(2026, 3, 29, 1, 30, 0, 7, tzinfo=ZoneInfo("Europe/Berlin")),
        updated_at=datetime(2026, 11, 28, 23, 59, 59, 999999, tzinfo=ZoneInfo("America/Los_Angeles")),
    )

    built = rule_page([rule], next_cursor=None)

    same_json(built, RulePageSerializer({"rules": [rule], "nextCursor": None}).data)
    assert built["rules"][0]["createdAt"] == "2026-03-29T00:30:00.000007Z"
    assert built["rules"][0]["updatedAt"] == "2026-11-29T07:59:59.999999Z"
    assert timestamp(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000000Z"
