from django.conf import settings
from django.db import models


class RuleDraft(models.Model):
    """The one work-in-progress rule of a user: the create flow's state as the SPA sent it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rule_draft"
    )
    payload = models.JSONField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "draft"

    def __str__(self):
        return f"Draft of {self.user}"
