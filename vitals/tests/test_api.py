import json
import logging
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import pytest
from django.test import Client
from django.utils import timezone
from pythonjsonlogger.json import JsonFormatter

from vitals.models import WebVitalEvent

URL = "/api/web-vitals"

SPA_EVENT = {
    "metric": "LCP",
    "data": {"value": 2400, "rating": "good"},
    "url": "https://example.org/create",
    "userAgent": "Mozilla/5.0 (X11; Linux x86_64)",
    "timestamp": "2026-11-28T12:00:00.000Z",
}
LIBRARY_EVENT = {
    "name": "inp",
    "value": 180.5,
    "rating": "needs-improvement",
    "delta": 180.5,
    "id": "v4-1764331200000-8412345678901",
    "navigationType": "navigate",
    "entries": [],
}
STORED_FIELDS = (
    "metric",
    "value",
    "rating",
    "url",
    "user_agent",
    "navigation_type",
    "event_id",
    "page_timestamp",
)
SPA_ROW = {
    "metric": "LCP",
    "value": 2400.0,
    "rating": "good",
    "url": "https://example.org/create",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
    "navigation_type": "",
    "event_id": "",
    "page_timestamp": datetime(2026, 11, 28, 12, tzinfo=UTC),
}
LIBRARY_ROW = {
    "metric": "INP",
    "value": 180.5,
    "rating": "needs-improvement",
    "url": "",
    "user_agent": "",
    "navigation_type": "navigate",
    "event_id": "v4-1764331200000-8412345678901",
    "page_timestamp": None,
}
SUCCESS = {"success": True}


def stored_rows():
    return list(WebVitalEvent.objects.order_by("id").values(*STORED_FIELDS))


def post_raw(client, body: str | bytes, content_type="application/json"):
    return client.post(URL, data=body, content_type=content_type)


@pytest.fixture
def db_storage(settings, db):
    settings.VITALS_STORAGE = "db"


# --- accepted bodies ---------------------------------------------------------


def test_spa_shape_is_stored(api_client, db_storage):
    response = api_client.post_json(URL, SPA_EVENT)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == SUCCESS
    assert stored_rows() == [SPA_ROW]


def test_library_shape_is_stored_with_metric_upper_cased(api_client, db_storage):
    response = api_client.post_json(URL, LIBRARY_EVENT)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == SUCCESS
    assert stored_rows() == [LIBRARY_ROW]


def test_mixed_batch_is_stored_in_one_insert(api_client, db_storage, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = api_client.post_json(URL, [SPA_EVENT, LIBRARY_EVENT])

    assert response.status_code == HTTPStatus.OK
    assert stored_rows() == [SPA_ROW, LIBRARY_ROW]


@pytest.mark.parametrize("size", [1, 50])
def test_batches_of_one_to_fifty_are_accepted(api_client, db_storage, size):
    batch = [{**LIBRARY_EVENT, "value": index} for index in range(size)]

    response = api_client.post_json(URL, batch)

    assert response.status_code == HTTPStatus.OK
    assert list(WebVitalEvent.objects.order_by("id").values_list("value", flat=True)) == [
        float(index) for index in range(size)
    ]


def test_send_beacon_text_plain_body_is_accepted(api_client, db_storage):
    response = post_raw(api_client, json.dumps([SPA_EVENT]), "text/plain;charset=UTF-8")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == SUCCESS
    assert stored_rows() == [SPA_ROW]


@pytest.mark.parametrize("metric", ["LCP", "INP", "CLS", "FCP", "TTFB", "FID", "cls", "Ttfb"])
def test_every_metric_any_case(api_client, db_storage, metric):
    response = api_client.post_json(URL, {**LIBRARY_EVENT, "name": metric, "value": 0.05})

    assert response.status_code == HTTPStatus.OK
    assert list(WebVitalEvent.objects.values_list("metric", flat=True)) == [metric.upper()]


@pytest.mark.parametrize("value", [0, 600000, 600000.0, 0.0001])
def test_value_bounds_are_inclusive(api_client, db_storage, value):
    response = api_client.post_json(URL, {**LIBRARY_EVENT, "value": value})

    assert response.status_code == HTTPStatus.OK
    assert list(WebVitalEvent.objects.values_list("value", flat=True)) == [float(value)]


def test_null_and_absent_optional_fields_are_stored_empty(api_client, db_storage):
    event = {
        "metric": "FCP",
        "data": {"value": 900, "rating": "good"},
        "url": None,
        "timestamp": None,
    }

    response = api_client.post_json(URL, event)

    assert response.status_code == HTTPStatus.OK
    assert stored_rows() == [
        {
            **LIBRARY_ROW,
            "metric": "FCP",
            "value": 900.0,
            "rating": "good",
            "navigation_type": "",
            "event_id": "",
        }
    ]


def test_epoch_millisecond_timestamp_is_accepted(api_client, db_storage):
    stamp = datetime(2026, 11, 28, 12, 30, tzinfo=UTC)

    response = api_client.post_json(URL, {**SPA_EVENT, "timestamp": int(stamp.timestamp() * 1000)})

    assert response.status_code == HTTPStatus.OK
    assert stored_rows() == [{**SPA_ROW, "page_timestamp": stamp}]


# --- rejections: nothing stored ----------------------------------------------


def validation_error(details):
    return {
        "error": {"code": "validation_error", "message": "Request validation failed."},
        "details": details,
    }


METRIC_CHOICES = "Must be one of LCP, INP, CLS, FCP, TTFB, FID."
VALUE_RANGE = "Must be a finite number from 0 to 600000."
RATING_CHOICE = '"{}" is not a valid choice.'


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({**LIBRARY_EVENT, "name": "TTI"}, {"name": [METRIC_CHOICES]}),
        ({**SPA_EVENT, "metric": "lcpx"}, {"metric": [METRIC_CHOICES]}),
        ({**SPA_EVENT, "metric": 1}, {"metric": [METRIC_CHOICES]}),
        ({**LIBRARY_EVENT, "value": -1}, {"value": [VALUE_RANGE]}),
        ({**LIBRARY_EVENT, "value": -0.001}, {"value": [VALUE_RANGE]}),
        ({**LIBRARY_EVENT, "value": 600000.5}, {"value": [VALUE_RANGE]}),
        ({**LIBRARY_EVENT, "value": 10**30}, {"value": [VALUE_RANGE]}),
        ({**LIBRARY_EVENT, "value": 1e308}, {"value": [VALUE_RANGE]}),
        ({**LIBRARY_EVENT, "value": True}, {"value": ["Must be a number."]}),
        ({**LIBRARY_EVENT, "value": "2400"}, {"value": ["Must be a number."]}),
        ({**LIBRARY_EVENT, "value": None}, {"value": ["This field may not be null."]}),
        ({**SPA_EVENT, "data": {"value": -5, "rating": "good"}}, {"data.value": [VALUE_RANGE]}),
        (
            {**SPA_EVENT, "data": {"value": 1, "rating": "great"}},
            {"data.rating": [RATING_CHOICE.format("great")]},
        ),
        ({**LIBRARY_EVENT, "rating": "POOR"}, {"rating": [RATING_CHOICE.format("POOR")]}),
        ({"name": "LCP", "value": 1}, {"rating": ["This field is required."]}),
        (
            {**SPA_EVENT, "url": "https://example.org/" + "a" * 2029},
            {"url": ["Ensure this field has no more than 2048 characters."]},
        ),
        (
            {**SPA_EVENT, "userAgent": "x" * 1025},
            {"userAgent": ["Ensure this field has no more than 1024 characters."]},
        ),
        (
            {**LIBRARY_EVENT, "id": "x" * 129},
            {"id": ["Ensure this field has no more than 128 characters."]},
        ),
        (
            {**LIBRARY_EVENT, "navigationType": "x" * 33},
            {"navigationType": ["Ensure this field has no more than 32 characters."]},
        ),
        (
            {**SPA_EVENT, "timestamp": "yesterday"},
            {
                "timestamp": [
                    "Datetime has wrong format. Use one of these formats instead: "
                    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
                ]
            },
        ),
        ("LCP", {"non_field_errors": ["Each event must be a JSON object."]}),
        ([], {"non_field_errors": ["This list may not be empty."]}),
        (
            [LIBRARY_EVENT] * 51,
            {"non_field_errors": ["Ensure this field has no more than 50 elements."]},
        ),
        ([SPA_EVENT, {**LIBRARY_EVENT, "value": -1}], {"1.value": [VALUE_RANGE]}),
        ([SPA_EVENT, 7], {"1.non_field_errors": ["Each event must be a JSON object."]}),
    ],
)
def test_invalid_event_rejects_the_whole_body(api_client, db_storage, body, details):
    response = api_client.post_json(URL, body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == validation_error(details)
    assert WebVitalEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"name": "LCP", "value": NaN, "rating": "good"}', "NaN is not allowed in JSON."),
        (
            '{"name": "LCP", "value": Infinity, "rating": "good"}',
            "Infinity is not allowed in JSON.",
        ),
        (
            '{"name": "LCP", "value": -Infinity, "rating": "good"}',
            "-Infinity is not allowed in JSON.",
        ),
        ('{"name": "LCP", "value": 1e400, "rating": "good"}', "Number out of range."),
        ('{"name": "LCP", "value": 1,', None),
        ("", None),
    ],
)
def test_non_json_numbers_and_malformed_bodies_are_invalid_json(
    api_client, db_storage, body, message
):
    response = post_raw(api_client, body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"]["code"] == "invalid_json"
    if message is not None:
        assert response.json() == {"error": {"code": "invalid_json", "message": message}}
    assert WebVitalEvent.objects.count() == 0


def test_body_over_64_kib_is_payload_too_large(api_client, db_storage):
    body = json.dumps({**SPA_EVENT, "padding": "x" * 65536})

    response = post_raw(api_client, body)

    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.json() == {
        "error": {"code": "payload_too_large", "message": "Request body is too large."}
    }
    assert WebVitalEvent.objects.count() == 0


def test_body_over_the_api_cap_is_refused_before_the_view(api_client, db_storage):
    body = json.dumps([SPA_EVENT] * 3000)
    assert len(body) > 524288

    response = post_raw(api_client, body)

    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.json()["error"]["code"] == "payload_too_large"
    assert WebVitalEvent.objects.count() == 0


def test_body_of_exactly_64_kib_is_accepted(api_client, db_storage):
    body = json.dumps({**SPA_EVENT, "padding": ""})
    body = body[:-1] + " " * (65536 - len(body)) + "}"
    assert len(body.encode()) == 65536

    response = post_raw(api_client, body)

    assert response.status_code == HTTPStatus.OK
    assert WebVitalEvent.objects.count() == 1


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/html", "application/xml"]
)
def test_other_content_types_are_unsupported(api_client, db_storage, content_type):
    response = post_raw(api_client, json.dumps(SPA_EVENT), content_type)

    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert response.json() == {
        "error": {
            "code": "unsupported_media_type",
            "message": "Request body must be JSON (Content-Type: application/json).",
        }
    }
    assert WebVitalEvent.objects.count() == 0


# --- storage modes -----------------------------------------------------------


def test_log_mode_writes_one_json_line_per_event_and_no_query(
    api_client, settings, db, caplog, django_assert_num_queries
):
    settings.VITALS_STORAGE = "log"
    caplog.set_level(logging.INFO, logger="communityrule.vitals")

    with django_assert_num_queries(0):
        response = api_client.post_json(URL, [SPA_EVENT, LIBRARY_EVENT])

    assert response.status_code == HTTPStatus.OK
    assert response.json() == SUCCESS
    records = [record for record in caplog.records if record.name == "communityrule.vitals"]
    formatter = JsonFormatter("%(levelname)s %(name)s %(message)s")
    lines = [json.loads(formatter.format(record)) for record in records]
    request_id = response["X-Request-ID"]
    assert lines == [
        {
            "levelname": "INFO",
            "name": "communityrule.vitals",
            "message": "web vital LCP",
            "metric": "LCP",
            "value": 2400.0,
            "rating": "good",
            "url": "https://example.org/create",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
            "navigation_type": "",
            "event_id": "",
            "page_timestamp": "2026-11-28T12:00:00Z",
            "request_id": request_id,
        },
        {
            "levelname": "INFO",
            "name": "communityrule.vitals",
            "message": "web vital INP",
            "metric": "INP",
            "value": 180.5,
            "rating": "needs-improvement",
            "url": "",
            "user_agent": "",
            "navigation_type": "navigate",
            "event_id": "v4-1764331200000-8412345678901",
            "page_timestamp": None,
            "request_id": request_id,
        },
    ]
    assert WebVitalEvent.objects.count() == 0


def test_log_mode_ignores_a_session_cookie(signed_in_client, settings, django_assert_num_queries):
    settings.VITALS_STORAGE = "log"

    with django_assert_num_queries(0):
        response = signed_in_client.post_json(URL, SPA_EVENT)

    assert response.status_code == HTTPStatus.OK


def test_off_mode_drops_events(api_client, settings, db, caplog, django_assert_num_queries):
    settings.VITALS_STORAGE = "off"
    caplog.set_level(logging.INFO, logger="communityrule.vitals")

    with django_assert_num_queries(0):
        response = api_client.post_json(URL, [SPA_EVENT, LIBRARY_EVENT])

    assert response.status_code == HTTPStatus.OK
    assert response.json() == SUCCESS
    assert [r for r in caplog.records if r.name == "communityrule.vitals"] == []
    assert WebVitalEvent.objects.count() == 0


def test_off_mode_still_validates(api_client, settings, db):
    settings.VITALS_STORAGE = "off"

    response = api_client.post_json(URL, {**SPA_EVENT, "metric": "TTI"})

    assert response.status_code == HTTPStatus.BAD_REQUEST


# --- rate limit ----------------------------------------------------------------


def test_ingest_is_rate_limited_per_ip_after_120_requests(settings, db):
    assert settings.RATE_LIMITS["vitals_ip"]["rate"] == "120/m"  # SPEC §5
    # Same count over an hour: a one-minute window could roll over mid-test.
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "vitals_ip": {"rate": "120/h", "cache_down": "open"},
    }
    settings.VITALS_STORAGE = "off"
    client = Client()
    body = json.dumps(LIBRARY_EVENT)

    statuses = [
        client.post(URL, body, content_type="application/json").status_code for _ in range(120)
    ]
    limited = client.post(URL, body, content_type="application/json")
    other_ip = client.post(URL, body, content_type="application/json", REMOTE_ADDR="192.0.2.7")

    assert statuses == [HTTPStatus.OK] * 120
    assert limited.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert 1 <= int(limited["Retry-After"]) <= 3600
    body = limited.json()
    assert body == {
        "error": {"code": "rate_limited", "message": "Too many requests. Try again later."},
        "retryAfterMs": body["retryAfterMs"],
    }
    assert 0 < body["retryAfterMs"] <= 3_600_000
    assert other_ip.status_code == HTTPStatus.OK


def test_rate_limit_counts_by_trusted_proxy_address(api_client, settings, db):
    settings.VITALS_STORAGE = "off"
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "vitals_ip": {"rate": "2/h", "cache_down": "open"},
    }

    def post(forwarded_for):
        return api_client.post_json(
            URL, LIBRARY_EVENT, HTTP_X_FORWARDED_FOR=forwarded_for
        ).status_code

    assert [
        post("198.51.100.1"),
        post("198.51.100.1"),
        post("198.51.100.1"),
        post("198.51.100.2"),
    ] == [
        HTTPStatus.OK,
        HTTPStatus.OK,
        HTTPStatus.TOO_MANY_REQUESTS,
        HTTPStatus.OK,
    ]


# --- staff summary -----------------------------------------------------------


def test_summary_requires_sign_in(api_client, db):
    response = api_client.get(URL)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"error": {"code": "unauthorized", "message": "Sign in required."}}


def test_summary_is_forbidden_to_non_staff(signed_in_client):
    response = signed_in_client.get(URL)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {
        "error": {"code": "forbidden", "message": "You do not have permission to do this."}
    }


def make_events(metric, values, ratings=None, *, age=timedelta(0)):
    ratings = ratings or ["good"] * len(values)
    events = WebVitalEvent.objects.bulk_create(
        WebVitalEvent(metric=metric, value=value, rating=rating)
        for value, rating in zip(values, ratings, strict=True)
    )
    if age:
        WebVitalEvent.objects.filter(pk__in=[event.pk for event in events]).update(
            created_at=timezone.now() - age
        )
    return events


def iso(value):
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_summary_for_staff_in_db_mode(staff_client, settings, django_assert_max_num_queries):
    settings.VITALS_STORAGE = "db"
    ratings = ["good"] * 60 + ["needs-improvement"] * 30 + ["poor"] * 10
    make_events("LCP", list(range(1, 101)), ratings)
    make_events("CLS", [0.0, 0.1, 0.3], ["good", "good", "poor"])
    make_events("LCP", [100_000], ["poor"], age=timedelta(days=8))
    last_lcp = WebVitalEvent.objects.filter(metric="LCP").order_by("-created_at").first().created_at
    last_cls = WebVitalEvent.objects.filter(metric="CLS").order_by("-created_at").first().created_at

    # One query for the session, one for the summary.
    with django_assert_max_num_queries(2):
        response = staff_client.get(URL, {"days": 7})

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body == {
        "storage": "db",
        "metrics": {
            "CLS": {
                "count": 3,
                "average": pytest.approx(0.4 / 3),
                "p75": pytest.approx(0.2),  # between 0.1 and 0.3, halfway
                "min": 0.0,
                "max": 0.3,
                "goodCount": 2,
                "needsImprovementCount": 0,
                "poorCount": 1,
                "lastUpdated": iso(last_cls),
            },
            "LCP": {
                "count": 100,
                "average": 50.5,
                # percentile_cont: rank 0.75 * (100 - 1) = 74.25 → 75 + 0.25 * (76 - 75)
                "p75": 75.25,
                "min": 1.0,
                "max": 100.0,
                "goodCount": 60,
                "needsImprovementCount": 30,
                "poorCount": 10,
                "lastUpdated": iso(last_lcp),
            },
        },
    }


def test_summary_window_follows_days(staff_client, settings):
    settings.VITALS_STORAGE = "db"
    make_events("TTFB", [100])
    make_events("TTFB", [300], ["needs-improvement"], age=timedelta(days=5))
    make_events("TTFB", [900], ["poor"], age=timedelta(days=40))

    def window(days):
        metrics = staff_client.get(URL, {"days": days}).json()["metrics"]
        ttfb = metrics["TTFB"]
        return ttfb["count"], ttfb["min"], ttfb["max"]

    assert window(1) == (1, 100.0, 100.0)
    assert window(7) == (2, 100.0, 300.0)
    assert window(365) == (3, 100.0, 900.0)
    # Absent or empty (?days=) means the default, 7.
    assert staff_client.get(URL).json()["metrics"]["TTFB"]["count"] == 2
    assert staff_client.get(URL, {"days": ""}).json()["metrics"]["TTFB"]["count"] == 2


def test_summary_is_empty_without_events(staff_client, settings):
    settings.VITALS_STORAGE = "db"

    response = staff_client.get(URL)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"storage": "db", "metrics": {}}


@pytest.mark.parametrize("storage", ["log", "off"])
def test_summary_metrics_are_empty_unless_stored_in_db(staff_client, settings, storage):
    settings.VITALS_STORAGE = storage
    make_events("LCP", [2400])

    response = staff_client.get(URL)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"storage": storage, "metrics": {}}


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", "Ensure this value is greater than or equal to 1."),
        ("366", "Ensure this value is less than or equal to 365."),
        ("week", "A valid integer is required."),
        ("7.5", "A valid integer is required."),
    ],
)
def test_summary_rejects_bad_days(staff_client, settings, days, message):
    settings.VITALS_STORAGE = "db"

    response = staff_client.get(URL, {"days": days})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == validation_error({"days": [message]})


def test_other_methods_are_not_allowed(staff_client):
    response = staff_client.delete(URL)

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert set(response["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_ingest_fails_open_when_the_rate_limit_cache_is_down(api_client, settings, db, caplog):
    from conftest import free_port

    settings.VITALS_STORAGE = "db"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }

    response = api_client.post_json(URL, SPA_EVENT)

    assert response.status_code == HTTPStatus.OK
    assert stored_rows() == [SPA_ROW]
    assert "rate-limit cache unreachable for rule vitals_ip" in caplog.messages
