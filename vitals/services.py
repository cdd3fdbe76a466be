"""Ingesting and summarising web vitals (SPEC §5)."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Aggregate, Avg, Count, FloatField, Max, Min, Q
from django.utils import timezone

from vitals.models import Rating, WebVitalEvent

logger = logging.getLogger("communityrule.vitals")


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        fraction = float(fraction)
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        # A float's repr is plain SQL; it never comes from a request.
        super().__init__(expression, fraction=repr(fraction), **extra)


def ingest_events(*, events: list[dict], storage: str | None = None) -> int:
    """Hand validated events to the storage ``VITALS_STORAGE`` names (read per call).

    - ``log``: one INFO line per event on logger ``communityrule.vitals``, the
      event's fields as ``extra`` (a JSON line with the JSON log format). No
      database query.
    - ``db``: all events in one ``INSERT`` (bulk_create) — stored all or none.
    - ``off``: dropped.

    ``events`` are validated dicts (``metric, value, rating, url, user_agent,
    navigation_type, event_id, page_timestamp``). Returns how many were
    logged or stored.
    """
    storage = storage or settings.VITALS_STORAGE
    if storage == "log":
        for event in events:
            stamp = event.get("page_timestamp")
            logger.info(
                "web vital %s",
                event["metric"],
                extra={
                    "metric": event["metric"],
                    "value": event["value"],
                    "rating": event["rating"],
                    "url": event.get("url", ""),
                    "user_agent": event.get("user_agent", ""),
                    "navigation_type": event.get("navigation_type", ""),
                    "event_id": event.get("event_id", ""),
                    "page_timestamp": stamp.isoformat().replace("+00:00", "Z") if stamp else None,
                },
            )
        return len(events)
    if storage == "db":
        return len(WebVitalEvent.objects.bulk_create(WebVitalEvent(**event) for event in events))
    return 0


def summarise(*, days: int, now: datetime | None = None) -> dict[str, dict]:
    """Per-metric statistics of events stored in the ``days`` days up to ``now``, in one SQL query.

    Returns ``{"LCP": {"count", "average", "p75", "min", "max", "good_count",
    "needs_improvement_count", "poor_count", "last_updated"}, ...}`` with only
    the metrics that have events; ``p75`` is PostgreSQL's ``percentile_cont(0.75)``
    (linear interpolation). Served by the (created_at, metric) covering index.
    """
    until = now or timezone.now()
    rows = (
        WebVitalEvent.objects.filter(
            created_at__gt=until - timedelta(days=days), created_at__lte=until
        )
        .order_by()
        .values("metric")
        .annotate(
            count=Count("*"),
            average=Avg("value"),
            p75=PercentileCont("value", 0.75),
            min=Min("value"),
            max=Max("value"),
            good_count=Count("id", filter=Q(rating=Rating.GOOD)),
            needs_improvement_count=Count("id", filter=Q(rating=Rating.NEEDS_IMPROVEMENT)),
            poor_count=Count("id", filter=Q(rating=Rating.POOR)),
            last_updated=Max("created_at"),
        )
        .order_by("metric")
    )
    return {row.pop("metric"): row for row in rows}
