from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from vitals.models import WebVitalEvent


def make_events(count, *, age):
    events = WebVitalEvent.objects.bulk_create(
        WebVitalEvent(metric="LCP", value=index, rating="good") for index in range(count)
    )
    WebVitalEvent.objects.filter(pk__in=[event.pk for event in events]).update(
        created_at=timezone.now() - age
    )
    return {event.pk for event in events}


def prune(*args, **options):
    out = StringIO()
    call_command("prune_vitals", *args, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_prune_deletes_events_older_than_retention(settings):
    settings.VITALS_RETENTION_DAYS = 30
    old = make_events(5, age=timedelta(days=31))
    recent = make_events(3, age=timedelta(days=29))

    output = prune()

    assert output == "Deleted 5 web vital events older than 30 days.\n"
    assert set(WebVitalEvent.objects.values_list("pk", flat=True)) == recent
    assert not old & recent


@pytest.mark.django_db
def test_prune_works_in_batches(settings, django_assert_num_queries):
    settings.VITALS_RETENTION_DAYS = 7
    make_events(5, age=timedelta(days=8))
    kept = make_events(1, age=timedelta(days=1))

    # Batches of 2: (select ids + delete) × 3, then one select that finds none.
    with django_assert_num_queries(7):
        output = prune(batch_size=2)

    assert output == "Deleted 5 web vital events older than 7 days.\n"
    assert set(WebVitalEvent.objects.values_list("pk", flat=True)) == kept


@pytest.mark.django_db
def test_prune_days_option_overrides_retention(settings):
    settings.VITALS_RETENTION_DAYS = 30
    make_events(2, age=timedelta(days=3))

    assert prune("--days", "2") == "Deleted 2 web vital events older than 2 days.\n"
    assert WebVitalEvent.objects.count() == 0


@pytest.mark.django_db
def test_prune_with_nothing_to_delete(settings):
    settings.VITALS_RETENTION_DAYS = 30
    assert prune() == "Deleted 0 web vital events older than 30 days.\n"


@pytest.mark.django_db
def test_prune_refuses_nonsense_options():
    with pytest.raises(CommandError):
        prune("--days", "0")
