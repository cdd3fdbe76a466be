"""Publishing and moderating rules (SPEC §5, §6). The API and the admin call these."""

from django.db import transaction
from django.utils import timezone

from rules.models import PublishedRule


def publish_rule(*, owner, title: str, summary: str | None, document: dict) -> PublishedRule:
    """Publish a rule owned by ``owner``; visible to the public at once."""
    return PublishedRule.objects.create(owner=owner, title=title, summary=summary, document=document)


def _moderate(*, rules, status: str, moderator, note: str) -> int:
    now = timezone.now()
    with transaction.atomic():
        return rules.update(
            status=status,
            moderation_note=note,
            moderated_by=moderator,
            moderated_at=now,
            updated_at=now,
        )


def hide_rules(*, rules, moderator, note: str = "") -> int:
    """Hide ``rules`` (a queryset) from the public, recording who, when and why.

    One UPDATE: every selected rule is hidden, or none. Returns how many.
    """
    return _moderate(rules=rules, status=PublishedRule.Status.HIDDEN, moderator=moderator, note=note)


def unhide_rules(*, rules, moderator, note: str = "") -> int:
    """Make hidden ``rules`` public again, recording who, when and why. Returns how many."""
    return _moderate(rules=rules, status=PublishedRule.Status.PUBLISHED, moderator=moderator, note=note)
