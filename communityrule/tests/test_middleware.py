"""Request ids, the access log and cross-origin protection (SPEC §4)."""

import io
import json
import logging
import re
from http import HTTPStatus

import pytest

pytestmark = pytest.mark.usefixtures("test_urls")

NEW_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def log_lines():
    """The real console handler (JSON formatter + request-id filter), writing to a buffer."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        handler.setStream(previous)


# --- X-Request-ID ------------------------------------------------------------


@pytest.mark.parametrize("incoming", ["abc", "A-b_c.9", "x" * 128, "0" * 1])
def test_valid_request_id_is_echoed(api_client, incoming):
    response = api_client.get("/api/nope", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["", "x" * 129, "has space", "semi;colon", "new\\nline", "ünïcode", "a/b", "<script>"],
)
def test_invalid_request_id_is_replaced(api_client, incoming):
    response = api_client.get("/api/nope", HTTP_X_REQUEST_ID=incoming)
    assert NEW_ID.match(response["X-Request-ID"])
    assert response["X-Request-ID"] != incoming


def test_missing_request_id_gets_a_new_one_per_request(api_client):
    first = api_client.get("/api/nope")["X-Request-ID"]
    second = api_client.get("/api/nope")["X-Request-ID"]
    assert NEW_ID.match(first) and NEW_ID.match(second) and first != second


@pytest.mark.django_db
def test_request_id_on_every_kind_of_response(api_client, lenient_client):
    responses = [
        api_client.get("/api/health", HTTP_X_REQUEST_ID="rid-ok"),
        api_client.get("/api/nope", HTTP_X_REQUEST_ID="rid-ok"),
        api_client.delete("/api/health", HTTP_X_REQUEST_ID="rid-ok"),
        api_client.generic("POST", "/api/test/echo", b"x" * 600_000, content_type="application/json", HTTP_X_REQUEST_ID="rid-ok"),
        api_client.generic("POST", "/api/test/echo", b"{}", content_type="text/plain", HTTP_X_REQUEST_ID="rid-ok"),
        api_client.generic("POST", "/api/test/echo", b"[NaN]", content_type="application/json", HTTP_X_REQUEST_ID="rid-ok"),
        api_client.post_json("/api/test/echo", {}, HTTP_X_REQUEST_ID="rid-ok", HTTP_SEC_FETCH_SITE="cross-site"),
        lenient_client.get("/api/test/boom/drf", HTTP_X_REQUEST_ID="rid-ok"),
        lenient_client.get("/api/test/boom/django", HTTP_X_REQUEST_ID="rid-ok"),
        lenient_client.get("/api/test/db-down/django", HTTP_X_REQUEST_ID="rid-ok"),
        api_client.get("/nope", HTTP_X_REQUEST_ID="rid-ok"),
    ]
    assert [r.status_code for r in responses] == [200, 404, 405, 413, 415, 400, 403, 500, 500, 503, 404]
    assert {r["X-Request-ID"] for r in responses} == {"rid-ok"}


# --- Logging -----------------------------------------------------------------


@pytest.mark.django_db
def test_access_line_fields(api_client, log_lines):
    api_client.get("/api/health", HTTP_X_REQUEST_ID="rid-access")
    (line,) = [entry for entry in log_lines() if entry["logger"] == "communityrule.access"]
    assert isinstance(line.pop("duration_ms"), float)
    assert isinstance(line.pop("time"), str)
    assert line == {
        "level": "INFO",
        "logger": "communityrule.access",
        "message": "GET /api/health 200",
        "request_id": "rid-access",
        "method": "GET",
        "path": "/api/health",
        "status": 200,
        "user_id": None,
    }


@pytest.mark.django_db
def test_access_line_carries_the_signed_in_user(signed_in_client, log_lines, settings):
    settings.ROOT_URLCONF = "communityrule.tests.urls"
    response = signed_in_client.get("/api/test/signed-in", HTTP_X_REQUEST_ID="rid-user")
    assert response.status_code == HTTPStatus.OK
    (line,) = [entry for entry in log_lines() if entry["logger"] == "communityrule.access"]
    assert (line["user_id"], line["status"]) == (str(signed_in_client.user.pk), 200)


def test_every_log_line_of_a_request_carries_its_id(lenient_client, log_lines):
    lenient_client.get("/api/test/boom/drf", HTTP_X_REQUEST_ID="rid-1")
    lenient_client.get("/api/test/db-down/drf", HTTP_X_REQUEST_ID="rid-2")
    lenient_client.get("/api/test/boom/django", HTTP_X_REQUEST_ID="rid-3")
    lines = log_lines()
    by_id = {}
    for entry in lines:
        by_id.setdefault(entry["request_id"], []).append(entry["logger"])
    # The view's own error line and the access line, each tagged with its request.
    assert by_id == {
        "rid-1": ["communityrule.api", "communityrule.access"],
        "rid-2": ["communityrule.api", "communityrule.access"],
        "rid-3": ["communityrule.api", "communityrule.access"],
    }
    error_line = lines[0]
    assert error_line["level"] == "ERROR"
    assert "secret-traceback-marker" in error_line["exc_info"]


def test_log_lines_outside_requests_have_a_placeholder_id(log_lines):
    logging.getLogger("communityrule.test").warning("outside")
    (line,) = log_lines()
    assert (line["message"], line["request_id"]) == ("outside", "-")


# --- Cross-origin protection -------------------------------------------------


def echo(client, **headers):
    return client.post_json("/api/test/echo", {"a": 1}, **headers)


REFUSED = {"error": {"code": "cross_origin_rejected", "message": "Cross-origin request rejected."}}


@pytest.mark.parametrize("site", ["cross-site", "same-site", "bogus"])
def test_sec_fetch_site_other_than_same_origin_is_refused(api_client, site):
    response = echo(api_client, HTTP_SEC_FETCH_SITE=site, HTTP_ORIGIN="http://testserver")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == REFUSED


@pytest.mark.parametrize("site", ["same-origin", "none"])
def test_sec_fetch_site_same_origin_or_none_passes(api_client, site):
    response = echo(api_client, HTTP_SEC_FETCH_SITE=site, HTTP_ORIGIN="http://evil.example")
    assert response.status_code == HTTPStatus.OK


def test_origin_host_mismatch_without_sec_fetch_site_is_refused(api_client):
    for origin in ("http://evil.example", "http://testserver.evil.example", "http://testserver:8080", "null"):
        response = echo(api_client, HTTP_ORIGIN=origin)
        assert response.status_code == HTTPStatus.FORBIDDEN, origin
        assert response.json() == REFUSED


def test_origin_matching_host_passes(api_client):
    assert echo(api_client, HTTP_ORIGIN="http://testserver").status_code == HTTPStatus.OK
    assert echo(api_client, HTTP_ORIGIN="https://TestServer").status_code == HTTPStatus.OK


def test_neither_header_passes(api_client):
    assert echo(api_client).status_code == HTTPStatus.OK


@pytest.mark.parametrize("setting", ["CSRF_TRUSTED_ORIGINS", "CORS_ALLOWED_ORIGINS"])
def test_trusted_origin_passes(settings, setting):
    from conftest import JsonClient

    setattr(settings, setting, ["https://app.example.org"])
    client = JsonClient()
    response = echo(client, HTTP_ORIGIN="https://app.example.org", HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == HTTPStatus.OK
    other = echo(client, HTTP_ORIGIN="https://other.example.org", HTTP_SEC_FETCH_SITE="cross-site")
    assert other.status_code == HTTPStatus.FORBIDDEN


@pytest.mark.django_db
def test_safe_methods_are_never_refused(api_client):
    for method in ("get", "head", "options"):
        response = getattr(api_client, method)(
            "/api/health", HTTP_SEC_FETCH_SITE="cross-site", HTTP_ORIGIN="http://evil.example"
        )
        assert response.status_code != HTTPStatus.FORBIDDEN, method


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_every_unsafe_method_is_checked(api_client, method):
    response = api_client.generic(method, "/api/test/echo", b"{}", content_type="application/json",
                                  HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == REFUSED


def test_cross_origin_rule_applies_only_to_the_api(api_client):
    response = api_client.post("/nope", HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_origin_is_compared_with_the_host_header(api_client):
    ok = echo(api_client, HTTP_ORIGIN="https://api.example.org", HTTP_HOST="api.example.org")
    assert ok.status_code != HTTPStatus.FORBIDDEN
    refused = echo(api_client, HTTP_ORIGIN="https://api.example.org", HTTP_HOST="other.example.org")
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json() == REFUSED


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["x=%00", "%00=1", "category=a%00b"])
def test_nul_in_the_query_string_is_400(api_client, test_urls, query):
    # PostgreSQL cannot compare with a NUL: a filter on it would be a 500.
    response = api_client.get(f"/api/test/db/drf?{query}")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.django_db
def test_nul_in_an_admin_query_string_is_400_not_500(staff_client):
    response = staff_client.get("/admin/rules/publishedrule/?status__exact=%00")
    assert response.status_code == HTTPStatus.BAD_REQUEST
