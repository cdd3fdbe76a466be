from rules import services
from rules.models import PublishedRule


def test_publish_rule(make_user):
    owner = make_user()

    rule = services.publish_rule(owner=owner, title="T", summary=None, document={"a": [1]})

    rule.refresh_from_db()
    assert (rule.owner, rule.title, rule.summary, rule.document, rule.status) == (owner, "T", None, {"a": [1]}, "published")
    assert list(PublishedRule.objects.visible()) == [rule]


def test_hide_and_unhide_record_who_when_and_why(make_user, make_rule):
    moderator = make_user("mod@example.org")
    rule, other = make_rule("one"), make_rule("two")
    before = rule.updated_at

    assert services.hide_rules(rules=PublishedRule.objects.filter(pk=rule.pk), moderator=moderator, note="spam") == 1

    rule.refresh_from_db()
    other.refresh_from_db()
    assert (rule.status, rule.moderation_note, rule.moderated_by) == ("hidden", "spam", moderator)
    assert rule.moderated_at is not None and rule.updated_at > before
    assert other.status == "published" and other.moderated_at is None
    assert list(PublishedRule.objects.visible()) == [other]

    hidden_at = rule.moderated_at
    assert services.unhide_rules(rules=PublishedRule.objects.filter(pk=rule.pk), moderator=moderator, note="ok now") == 1

    rule.refresh_from_db()
    assert (rule.status, rule.moderation_note) == ("published", "ok now")
    assert rule.moderated_at > hidden_at
