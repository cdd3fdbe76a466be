"""Web vitals events, stored only when the operator chose ``VITALS_STORAGE=db`` (SPEC §5)."""

from django.db import models


class Metric(models.TextChoices):
    LCP = "LCP", "Largest Contentful Paint"
    INP = "INP", "Interaction to Next Paint"
    CLS = "CLS", "Cumulative Layout Shift"
    FCP = "FCP", "First Contentful Paint"
    TTFB = "TTFB", "Time to First Byte"
    FID = "FID", "First Input Delay"


class Rating(models.TextChoices):
    GOOD = "good", "Good"
    NEEDS_IMPROVEMENT = "needs-improvement", "Needs improvement"
    POOR = "poor", "Poor"


class WebVitalEventQuerySet(models.QuerySet):
    def prune(self, *, older_than, batch_size: int = 10_000) -> int:
        """Delete events created before ``older_than``, ``batch_size`` rows per statement.

        Each batch is its own short transaction (autocommit), so pruning a large
        table never holds one huge transaction or long locks while the app
        keeps inserting. Returns the number of rows deleted.
        """
        total = 0
        stale = self.filter(created_at__lt=older_than).order_by()
        while True:
            ids = list(stale.values_list("pk", flat=True)[:batch_size])
            if not ids:
                return total
            deleted, _ = self.filter(pk__in=ids).delete()
            total += deleted


class WebVitalEvent(models.Model):
    metric = models.CharField(max_length=4, choices=Metric.choices)
    value = models.FloatField()
    rating = models.CharField(max_length=17, choices=Rating.choices)
    url = models.CharField(max_length=2048, blank=True)
    user_agent = models.CharField(max_length=1024, blank=True)
    navigation_type = models.CharField(max_length=32, blank=True)
    event_id = models.CharField(max_length=128, blank=True)
    # When the page says it measured the event; may be absent or skewed.
    page_timestamp = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WebVitalEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Fits the summary (range on created_at, GROUP BY metric over value and
            # rating: an index-only scan) and pruning (created_at < cutoff).
            models.Index(
                fields=["created_at", "metric"],
                include=["value", "rating"],
                name="vitals_event_created_metric",
            ),
        ]

    def __str__(self):
        return f"{self.metric} {self.value:g} ({self.rating})"


class WebVitalsDashboard(WebVitalEvent):
    """No data of its own: gives the admin dashboard its entry on the admin index."""

    class Meta:
        proxy = True
        verbose_name = "dashboard"
        verbose_name_plural = "dashboard"
