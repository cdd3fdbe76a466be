"""SPEC §4 error shape for every failure path: 404, 405, 413, 415, 500, 503, DRF errors."""

from http import HTTPStatus

import pytest
from django.test import Client

pytestmark = pytest.mark.usefixtures("test_urls")


def error(code, message):
    return {"error": {"code": code, "message": message}}


@pytest.mark.parametrize("path", ["/api/nope", "/api/test/echo/extra", "/api", "/api/"])
def test_unknown_api_path_is_json_404(api_client, path):
    response = api_client.get(path)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "application/json"
    assert response.json() == error("not_found", "Not found.")


def test_trailing_slash_is_404_not_a_redirect(api_client):
    response = api_client.get("/api/health/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == error("not_found", "Not found.")


def test_404_is_json_even_with_debug(api_client, settings):
    settings.DEBUG = True
    response = api_client.get("/api/nope")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == error("not_found", "Not found.")


def test_non_api_404_stays_html(api_client):
    response = api_client.get("/nope")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["delete", "post", "put", "patch"])
def test_django_view_405_is_json_with_allow(api_client, method):
    response = api_client.generic(method.upper(), "/api/test/safe/django")
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Allow"] == "GET, HEAD"
    assert response.json() == error("method_not_allowed", "Method not allowed.")


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["delete", "post", "put", "patch"])
def test_health_405_is_json_with_allow(api_client, method):
    response = api_client.generic(method.upper(), "/api/health")
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert response.json() == error(
        "method_not_allowed", f'Method "{method.upper()}" not allowed.'
    )


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "image/png;q=1"])
def test_any_accept_gets_json(api_client, accept):
    # DRF alone would answer 406 (and our 406 had no code: it became a 500).
    response = api_client.get("/api/test/signed-in", HTTP_ACCEPT=accept)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_drf_view_405_is_json_with_allow(api_client, content_type):
    # 405 before 415: a method the view does not handle is refused as such.
    response = api_client.patch("/api/test/echo", "{}", content_type=content_type)
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Allow"] == "POST, PUT, OPTIONS"
    assert response.json() == error("method_not_allowed", 'Method "PATCH" not allowed.')


def test_body_over_512_kib_is_413(api_client):
    body = b"[1]" + b" " * (524288 - 3 + 1)
    response = api_client.generic("POST", "/api/test/echo", body, content_type="application/json")
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.json() == error("payload_too_large", "Request body is too large.")


def test_body_of_exactly_512_kib_is_accepted(api_client):
    body = b"[1]" + b" " * (524288 - 3)
    response = api_client.generic("POST", "/api/test/echo", body, content_type="application/json")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"received": [1]}


def test_413_comes_before_routing_and_media_type(api_client):
    body = b"x" * 600_000
    response = api_client.generic("PUT", "/api/nope", body, content_type="text/plain")
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.json() == error("payload_too_large", "Request body is too large.")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_non_json_body_is_415(api_client, content_type):
    response = api_client.generic("POST", "/api/test/echo", b'{"a": 1}', content_type=content_type)
    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert response.json() == error(
        "unsupported_media_type", "Request body must be JSON (Content-Type: application/json)."
    )


def test_json_with_charset_is_accepted(api_client):
    response = api_client.generic(
        "PUT", "/api/test/echo", b'{"a": 1}', content_type="application/json; charset=utf-8"
    )
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"received": {"a": 1}}


def test_view_that_accepts_text_plain_takes_it(api_client):
    response = api_client.generic("POST", "/api/test/echo-text", b'{"a": 1}', content_type="text/plain")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"received": {"a": 1}}


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/api/test/boom/drf", "/api/test/boom/django"])
def test_unhandled_exception_is_json_500_without_traceback(lenient_client, settings, debug, path, caplog):
    settings.DEBUG = debug
    response = lenient_client.get(path)
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert response["Content-Type"] == "application/json"
    assert response.json() == error("internal_error", "Internal server error.")
    assert b"secret-traceback-marker" not in response.content
    assert b"Traceback" not in response.content
    # Never silenced: the exception is logged with its traceback.
    logged = [r for r in caplog.records if r.exc_info and "secret-traceback-marker" in str(r.exc_info[1])]
    assert len(logged) == 1


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/api/test/db-down/drf", "/api/test/db-down/django"])
def test_database_error_is_json_503(lenient_client, settings, debug, path):
    settings.DEBUG = debug
    response = lenient_client.get(path)
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == error(
        "database_unavailable", "The database is unavailable. Try again shortly."
    )


def test_drf_validation_error_has_field_details(api_client):
    response = api_client.post_json("/api/test/validate", {})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": {"code": "validation_error", "message": "Request validation failed."},
        "details": {"name": ["This field is required."]},
    }
    response = api_client.post_json("/api/test/validate", {"name": "long"})
    assert response.json() == {
        "error": {"code": "validation_error", "message": "Request validation failed."},
        "details": {"name": ["Ensure this field has no more than 3 characters."]},
    }
    response = api_client.post_json("/api/test/validate", ["not", "an", "object"])
    assert response.json() == {
        "error": {"code": "validation_error", "message": "Request validation failed."},
        "details": {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
    }


@pytest.mark.django_db
def test_not_authenticated_is_401_not_403(api_client):
    response = api_client.get("/api/test/signed-in")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == error("unauthorized", "Sign in required.")


def test_errors_never_html(api_client, lenient_client):
    for response in (
        api_client.get("/api/nope"),
        api_client.delete("/api/test/echo"),
        lenient_client.get("/api/test/boom/django"),
        api_client.generic("POST", "/api/test/echo", b"x", content_type="text/html"),
    ):
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) == {"error"}


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["DELETE", "POST"])
def test_405_also_with_django_csrf_checks_enforced(method):
    # The test client skips CSRF checks by default; a real server does not.
    client = Client(enforce_csrf_checks=True)
    for path in ("/api/health", "/api/test/safe/django"):
        response = client.generic(method, path)
        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
        assert response.json()["error"]["code"] == "method_not_allowed"


def test_drf_views_need_no_django_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/test/echo", b'{"a": 1}', content_type="application/json")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"received": {"a": 1}}


def test_chunked_body_without_content_length_is_411(api_client):
    response = api_client.generic("POST", "/api/test/echo", HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == HTTPStatus.LENGTH_REQUIRED
    assert response.json() == error(
        "length_required", "Request bodies must be sent with a Content-Length header."
    )


def test_real_server_refuses_chunked_body_and_oversized_content_length():
    """Through gunicorn, where bodies really arrive chunked or larger than announced."""
    import socket

    from conftest import free_port

    from communityrule.tests.live import PRODUCTION_ENV, LiveApp

    port = free_port()
    app = LiveApp(
        port=port,
        env={
            **PRODUCTION_ENV,
            "DATABASE_URL": f"postgres://nobody@127.0.0.1:{free_port()}/none",
            "DJANGO_SETTINGS_MODULE": "communityrule.tests.settings_live",
        },
    )

    def send(raw: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(raw)
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
        return received

    try:
        head = b"POST /api/test/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
        chunked = send(head + b'Transfer-Encoding: chunked\r\n\r\n8\r\n{"a": 1}\r\n0\r\n\r\n')
        assert chunked.startswith(b"HTTP/1.1 411 ")
        assert b'"code": "length_required"' in chunked
        too_big = send(head + b"Content-Length: 524289\r\n\r\n[]")
        assert too_big.startswith(b"HTTP/1.1 413 ")
        assert b'"code": "payload_too_large"' in too_big
        ok = send(head + b'Content-Length: 8\r\n\r\n{"a": 1}')
        assert ok.startswith(b"HTTP/1.1 200 ")
        assert ok.endswith(b'{"received":{"a":1}}')
    finally:
        app.stop()


def test_disallowed_host_is_json_400(api_client):
    response = api_client.get("/api/health", HTTP_HOST="evil.example")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == error("validation_error", "Request validation failed.")
