import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vitals import services
from vitals.models import WebVitalEvent

EVENT = {
    "metric": "LCP",
    "value": 2400.0,
    "rating": "good",
    "url": "https://example.org/",
    "user_agent": "UA",
    "navigation_type": "navigate",
    "event_id": "v4-1",
    "page_timestamp": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
}


@pytest.mark.django_db
def test_ingest_db_stores_all_events_in_one_query(django_assert_num_queries):
    events = [EVENT, {**EVENT, "metric": "CLS", "value": 0.02}]

    with django_assert_num_queries(1):
        stored = services.ingest_events(events=events, storage="db")

    assert stored == 2
    assert list(WebVitalEvent.objects.order_by("id").values(*EVENT)) == events


@pytest.mark.django_db
def test_ingest_reads_storage_from_settings_per_call(settings):
    settings.VITALS_STORAGE = "db"
    services.ingest_events(events=[EVENT])
    settings.VITALS_STORAGE = "off"
    services.ingest_events(events=[EVENT])

    assert WebVitalEvent.objects.count() == 1


@pytest.mark.django_db
def test_ingest_log_writes_one_record_per_event(caplog, django_assert_num_queries):
    caplog.set_level(logging.INFO, logger="communityrule.vitals")

    with django_assert_num_queries(0):
        logged = services.ingest_events(
            events=[EVENT, {**EVENT, "page_timestamp": None}], storage="log"
        )

    assert logged == 2
    records = [r for r in caplog.records if r.name == "communityrule.vitals"]
    assert [(r.metric, r.value, r.rating, r.page_timestamp) for r in records] == [
        ("LCP", 2400.0, "good", "2026-01-02T03:04:05Z"),
        ("LCP", 2400.0, "good", None),
    ]
    assert WebVitalEvent.objects.count() == 0


def test_log_lines_are_kept_when_log_level_is_quieter(caplog):
    """LOGGING pins communityrule.vitals at INFO: the lines are data, not diagnostics."""
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.WARNING)
    try:
        services.ingest_events(events=[EVENT], storage="log")
    finally:
        root.setLevel(previous)

    assert [r.metric for r in caplog.records if r.name == "communityrule.vitals"] == ["LCP"]


@pytest.mark.django_db
def test_ingest_off_drops_events(caplog):
    caplog.set_level(logging.INFO, logger="communityrule.vitals")

    assert services.ingest_events(events=[EVENT], storage="off") == 0
    assert [r for r in caplog.records if r.name == "communityrule.vitals"] == []
    assert WebVitalEvent.objects.count() == 0


def add(metric, values, rating="good", *, created_at=None):
    events = WebVitalEvent.objects.bulk_create(
        WebVitalEvent(metric=metric, value=value, rating=rating) for value in values
    )
    if created_at:
        WebVitalEvent.objects.filter(pk__in=[e.pk for e in events]).update(created_at=created_at)


@pytest.mark.django_db
def test_summarise_matches_hand_computed_statistics(django_assert_num_queries):
    add("INP", [40, 10, 30, 20], "good")  # p75: rank 0.75 × 3 = 2.25 → 30 + 0.25 × (40 - 30)
    add("INP", [600], "poor")  # with it: rank 0.75 × 4 = 3 → exactly the 4th value, 40
    add("INP", [250, 300], "needs-improvement")
    # sorted: 10 20 30 40 250 300 600; rank 0.75 × 6 = 4.5 → 250 + 0.5 × (300 - 250) = 275

    with django_assert_num_queries(1):
        summary = services.summarise(days=7)

    last = WebVitalEvent.objects.order_by("-created_at").first().created_at
    assert summary == {
        "INP": {
            "count": 7,
            "average": pytest.approx(1250 / 7),
            "p75": 275.0,
            "min": 10.0,
            "max": 600.0,
            "good_count": 4,
            "needs_improvement_count": 2,
            "poor_count": 1,
            "last_updated": last,
        }
    }


@pytest.mark.django_db
def test_summarise_p75_of_one_to_hundred():
    add("LCP", range(1, 101))

    assert services.summarise(days=1)["LCP"]["p75"] == 75.25


@pytest.mark.django_db
def test_summarise_window_is_relative_to_now():
    now = timezone.now()
    add("FCP", [100], created_at=now - timedelta(days=2, hours=1))
    add("FCP", [200], created_at=now - timedelta(hours=1))

    assert services.summarise(days=2, now=now)["FCP"]["count"] == 1
    assert services.summarise(days=3, now=now)["FCP"]["count"] == 2
    assert services.summarise(days=1, now=now - timedelta(days=10)) == {}


@pytest.mark.django_db
def test_summary_query_can_use_the_covering_index():
    """The (created_at, metric) INCLUDE (value, rating) index serves the summary."""
    add("LCP", [1, 2, 3])
    with CaptureQueriesContext(connection) as queries:
        services.summarise(days=7)
    with connection.cursor() as cursor:
        # A three-row table is cheapest to scan; ask whether the index applies at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + queries.captured_queries[0]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "vitals_event_created_metric" in plan


def test_percentile_fraction_is_checked():
    with pytest.raises(ValueError):
        services.PercentileCont("value", 1.5)
