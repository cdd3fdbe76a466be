import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class RuleQuerySet(models.QuerySet):
    def visible(self):
        """What the public may see: published, not hidden by a moderator."""
        return self.filter(status=PublishedRule.Status.PUBLISHED)

    def owned_by(self, user):
        return self.filter(owner=user)

    def newest_first(self):
        # The id breaks ties between rules created in the same microsecond,
        # so the keyset cursor is a total order.
        return self.order_by("-created_at", "-id")


class PublishedRule(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        HIDDEN = "hidden", "Hidden"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # SPEC §5: when the owner's account is deleted, their rules stay, without owner.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="published_rules",
        db_index=False,  # rule_owner_newest_idx starts with owner_id
    )
    title = models.CharField(max_length=500)
    summary = models.TextField(max_length=8000, null=True, blank=True)
    document = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    moderation_note = models.TextField(blank=True, default="")
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = "published rule"
        indexes = [
            # GET /api/rules: newest-first keyset pagination over visible rules
            # reads this partial index in order (no sort, no scan of hidden rows).
            models.Index(
                F("created_at").desc(),
                F("id").desc(),
                name="rule_visible_newest_idx",
                condition=Q(status="published"),
            ),
            # GET /api/rules/me
            models.Index(F("owner"), F("created_at").desc(), name="rule_owner_newest_idx"),
        ]

    def __str__(self):
        return self.title
