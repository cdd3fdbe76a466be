import base64
import json
import uuid
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from drafts.tests.hostile_bodies import hostile_bodies
from rules import services
from rules.models import PublishedRule
from rules.tests.conftest import iso

URL = "/api/rules"
DOCUMENT = {
    "sections": [{"categoryName": "Values", "entries": [{"title": "Care", "body": "Ünïcode ✓"}]}],
    "meta": {"version": 2, "ratio": 0.25, "flags": [True, None]},
}


def summary_item(rule):
    return {
        "id": str(rule.id),
        "title": rule.title,
        "summary": rule.summary,
        "createdAt": iso(rule.created_at),
        "updatedAt": iso(rule.updated_at),
    }


# --- POST /api/rules ---------------------------------------------------------


def test_publish_a_rule(signed_in_client):
    response = signed_in_client.post_json(
        URL, {"title": "  Garden rule \n", "summary": "  How we decide  ", "document": DOCUMENT}
    )

    assert response.status_code == HTTPStatus.CREATED
    rule = PublishedRule.objects.get()
    assert response.json() == {
        "rule": {"id": str(rule.id), "title": "Garden rule", "summary": "How we decide", "createdAt": iso(rule.created_at)}
    }
    assert rule.owner == signed_in_client.user
    assert rule.document == DOCUMENT
    assert rule.status == PublishedRule.Status.PUBLISHED


@pytest.mark.parametrize(("summary", "stored"), [("", None), ("   \n", None), (None, None), ("s" * 8000, "s" * 8000)])
def test_summary_empty_becomes_null(signed_in_client, summary, stored):
    response = signed_in_client.post_json(URL, {"title": "T", "summary": summary, "document": {}})

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["rule"]["summary"] == stored
    assert PublishedRule.objects.get().summary == stored


def test_summary_is_optional(signed_in_client):
    response = signed_in_client.post_json(URL, {"title": "T", "document": {}})

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["rule"]["summary"] is None


def test_title_of_500_characters_after_trimming_is_accepted(signed_in_client):
    response = signed_in_client.post_json(URL, {"title": "  " + "t" * 500 + "  ", "document": {}})

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["rule"]["title"] == "t" * 500


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"document": {}}, {"title": ["This field is required."]}),
        ({"title": "   ", "document": {}}, {"title": ["This field may not be blank."]}),
        ({"title": "t" * 501, "document": {}}, {"title": ["Ensure this field has no more than 500 characters."]}),
        ({"title": 42, "document": {}}, {"title": ["Must be a string."]}),
        ({"title": "T", "summary": "s" * 8001, "document": {}}, {"summary": ["Ensure this field has no more than 8000 characters."]}),
        ({"title": "T", "summary": 3, "document": {}}, {"summary": ["Must be a string."]}),
        ({"title": "T"}, {"document": ["This field is required."]}),
        ({"title": "T", "document": []}, {"document": ['Expected a dictionary of items but got type "list".']}),
        ({"title": "T", "document": "doc"}, {"document": ['Expected a dictionary of items but got type "str".']}),
        ({"title": "T", "document": None}, {"document": ["This field may not be null."]}),
    ],
)
def test_invalid_rules_are_refused(signed_in_client, body, details):
    response = signed_in_client.post_json(URL, body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": {"code": "validation_error", "message": "Request validation failed."},
        "details": details,
    }
    assert not PublishedRule.objects.exists()


@pytest.mark.parametrize(("name", "raw"), hostile_bodies(lambda value: '{"title": "T", "document": ' + value + "}"))
def test_json_safety_rejections_leave_no_row(signed_in_client, name, raw):
    response = signed_in_client.post(URL, raw, content_type="application/json")

    assert response.status_code == HTTPStatus.BAD_REQUEST, name
    assert response.json()["error"]["code"] in {"invalid_json", "validation_error"}
    assert not PublishedRule.objects.exists()


def test_publishing_needs_a_session(api_client, db):
    response = api_client.post_json(URL, {"title": "T", "document": {}})

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"error": {"code": "unauthorized", "message": "Sign in required."}}
    assert not PublishedRule.objects.exists()


# --- GET /api/rules ----------------------------------------------------------


def test_list_is_newest_first_without_hidden_rules(api_client, make_rule):
    old = make_rule("Old", age_minutes=30, summary="s")
    make_rule("Hidden", age_minutes=20, status=PublishedRule.Status.HIDDEN)
    new = make_rule("New", age_minutes=10)

    response = api_client.get(URL)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"rules": [summary_item(new), summary_item(old)], "nextCursor": None}


def test_empty_list(api_client, db):
    assert api_client.get(URL).json() == {"rules": [], "nextCursor": None}


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        ("1", 1),
        ("100", 100),
        ("101", 100),
        ("99999999999999999999999", 100),
        ("9" * 5000, 100),  # past Python's int() digit limit
        ("0" * 5000 + "7", 7),
        (None, 50),
        ("", 50),
        ("0", 50),
        ("-5", 50),
        ("abc", 50),
        ("2.5", 50),
        ("1e2", 50),
    ],
)
def test_limit_parsing(api_client, make_rule, limit, expected):
    PublishedRule.objects.bulk_create(
        PublishedRule(title=f"r{n}", document={}) for n in range(120)
    )
    query = {} if limit is None else {"limit": limit}

    response = api_client.get(URL, query)

    assert response.status_code == HTTPStatus.OK
    assert len(response.json()["rules"]) == expected
    assert response.json()["nextCursor"] is not None


def test_cursor_pages_through_every_rule(api_client, make_rule):
    rules = [make_rule(f"r{n}", age_minutes=n) for n in range(7)]

    first = api_client.get(URL, {"limit": 3}).json()
    second = api_client.get(URL, {"limit": 3, "cursor": first["nextCursor"]}).json()
    third = api_client.get(URL, {"limit": 3, "cursor": second["nextCursor"]}).json()

    assert first["rules"] == [summary_item(rule) for rule in rules[0:3]]
    assert second["rules"] == [summary_item(rule) for rule in rules[3:6]]
    assert third == {"rules": [summary_item(rules[6])], "nextCursor": None}


def test_rules_created_in_the_same_microsecond_are_each_listed_once(api_client, make_rule):
    first = make_rule("a")
    for n in range(4):
        make_rule(f"b{n}", created_at=first.created_at)

    seen = []
    cursor = None
    while True:
        page = api_client.get(URL, {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["id"] for item in page["rules"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break

    assert sorted(seen) == sorted(str(rule.id) for rule in PublishedRule.objects.all())
    assert len(seen) == 5


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        "%%%",
        _b64("garbage"),
        _b64("2026-11-28T10:00:00+00:00|not-a-uuid"),
        _b64(f"yesterday|{uuid.uuid4()}"),
        _b64(f"2026-11-28T10:00:00|{uuid.uuid4()}"),
        "A" * 500,
        base64.urlsafe_b64encode(b"\xff\xfe|x").decode(),
    ],
)
def test_malformed_cursor_is_400(api_client, db, cursor):
    response = api_client.get(URL, {"cursor": cursor})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": {"code": "validation_error", "message": "Invalid cursor."},
        "details": {"cursor": ["Invalid cursor."]},
    }


def test_list_query_budget(signed_in_client, make_rule, django_assert_max_num_queries):
    for n in range(5):
        make_rule(f"r{n}", age_minutes=n)
    cursor = signed_in_client.get(URL, {"limit": 2}).json()["nextCursor"]

    # Signed in: one query for the session, one for the page.
    with django_assert_max_num_queries(2):
        response = signed_in_client.get(URL, {"limit": 2, "cursor": cursor})

    assert len(response.json()["rules"]) == 2


def test_next_page_query_is_an_index_scan_without_sort(api_client, make_rule):
    PublishedRule.objects.bulk_create(
        PublishedRule(title=f"r{n}", document={}, status="hidden" if n % 3 else "published") for n in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE rules_publishedrule")
    cursor_value = api_client.get(URL, {"limit": 100}).json()["nextCursor"]

    with CaptureQueriesContext(connection) as queries:
        api_client.get(URL, {"limit": 50, "cursor": cursor_value})
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + queries.captured_queries[-1]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "rule_visible_newest_idx" in plan, plan
    assert "Sort" not in plan, plan


# --- GET /api/rules/{id} -----------------------------------------------------


def test_read_a_rule(api_client, make_rule):
    rule = make_rule("Garden", summary="How", document=DOCUMENT)

    response = api_client.get(f"{URL}/{rule.id}")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "rule": {
            "id": str(rule.id),
            "title": "Garden",
            "summary": "How",
            "document": DOCUMENT,
            "createdAt": iso(rule.created_at),
            "updatedAt": iso(rule.updated_at),
        }
    }


@pytest.mark.parametrize("path", [str(uuid.uuid4()), "not-a-uuid", "12345", "-" * 36, "x.json", str(uuid.uuid4()).upper()])
def test_unknown_or_malformed_id_is_404(api_client, db, path):
    response = api_client.get(f"{URL}/{path}")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_hidden_rule_is_404(api_client, make_rule):
    rule = make_rule(status=PublishedRule.Status.HIDDEN)

    response = api_client.get(f"{URL}/{rule.id}")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["error"]["code"] == "not_found"


# --- GET /api/rules/me -------------------------------------------------------


def test_my_rules_include_hidden_ones_with_status(signed_in_client, make_rule, make_user):
    mine_old = make_rule("Mine old", owner=signed_in_client.user, age_minutes=20)
    mine_hidden = make_rule("Mine hidden", owner=signed_in_client.user, age_minutes=10, status="hidden")
    make_rule("Someone else's", owner=make_user())

    response = signed_in_client.get(f"{URL}/me")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "rules": [
            {**summary_item(mine_hidden), "status": "hidden"},
            {**summary_item(mine_old), "status": "published"},
        ]
    }


def test_my_rules_need_a_session(api_client, db):
    response = api_client.get(f"{URL}/me")

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["error"]["code"] == "unauthorized"


# --- routing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [("delete", URL, "GET, POST"), ("put", f"{URL}/me", "GET"), ("patch", f"{URL}/{uuid.uuid4()}", "GET")],
)
def test_other_methods_are_405(signed_in_client, method, path, allow):
    response = getattr(signed_in_client, method)(path, "{}", content_type="application/json")

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert sorted(response["Allow"].split(", ")) == sorted([*allow.split(", "), "HEAD", "OPTIONS"])


@pytest.mark.parametrize("path", [URL + "/", f"{URL}/me/"])
def test_trailing_slash_is_404_not_a_redirect(api_client, db, path):
    response = api_client.get(path)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["error"]["code"] == "not_found"


def test_owner_deletion_keeps_the_rule(signed_in_client, api_client):
    created = signed_in_client.post_json(URL, {"title": "Stays", "document": {}}).json()["rule"]

    signed_in_client.user.delete()

    rule = PublishedRule.objects.get()
    assert rule.owner is None
    assert api_client.get(f"{URL}/{created['id']}").json()["rule"]["title"] == "Stays"


def test_round_trip_document_via_the_api(signed_in_client, api_client):
    raw = json.dumps({"title": "T", "document": DOCUMENT}, ensure_ascii=False).encode()
    created = signed_in_client.post(URL, raw, content_type="application/json").json()["rule"]

    assert api_client.get(f"{URL}/{created['id']}").json()["rule"]["document"] == DOCUMENT
    services.hide_rules(rules=PublishedRule.objects.all(), moderator=None, note="")
    assert api_client.get(f"{URL}/{created['id']}").status_code == HTTPStatus.NOT_FOUND


def test_pages_stay_exact_while_rules_are_published_between_fetches(api_client, signed_in_client, make_rule):
    existing = {str(make_rule(f"old {n}", age_minutes=n + 1).id) for n in range(25)}
    seen = []
    cursor = None
    publish_round = 0
    while True:
        page = api_client.get(URL, {"limit": 4, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["id"] for item in page["rules"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
        # Newer rules land at the head of the list, before any cursor.
        for n in range(3):
            response = signed_in_client.post_json(URL, {"title": f"new {publish_round}.{n}", "document": {}})
            assert response.status_code == HTTPStatus.CREATED
        publish_round += 1

    assert len(seen) == len(set(seen))
    assert set(seen) == existing
    assert PublishedRule.objects.count() == 25 + 3 * publish_round


@pytest.mark.parametrize("offset", ["+16:00", "-23:59", "+05:30"])
def test_cursor_with_any_utc_offset_is_read_in_utc(api_client, make_rule, offset):
    # Python reads offsets up to ±23:59, PostgreSQL only up to ±15:59.
    make_rule("r")
    cursor = _b64(f"2999-01-01T00:00:00{offset}|{uuid.uuid4()}")
    response = api_client.get(URL, {"cursor": cursor})
    assert response.status_code == HTTPStatus.OK
    assert [rule["title"] for rule in response.json()["rules"]] == ["r"]


def test_cursor_at_the_edge_of_time_is_400(api_client, db):
    cursor = _b64(f"0001-01-01T00:00:00+10:00|{uuid.uuid4()}")
    assert api_client.get(URL, {"cursor": cursor}).status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.parametrize("path", [URL, f"{URL}/{uuid.uuid4()}"])
def test_options_describes_the_route_without_a_form(api_client, db, path):
    response = api_client.options(path)
    assert response.status_code == HTTPStatus.OK
    assert response.json()["renders"] == ["application/json"]
    assert "actions" not in response.json()
