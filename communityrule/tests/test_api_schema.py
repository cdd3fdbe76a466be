"""GET /api/schema and /api/docs (SPEC §5 "API description", issue 6)."""

from http import HTTPStatus

import pytest
import yaml
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

# Every route of SPEC §5, with its methods.
SPEC_ROUTES = {
    "/api/health": {"get"},
    "/api/auth/otp/request": {"post"},
    "/api/auth/otp/verify": {"post"},
    "/api/auth/session": {"get"},
    "/api/auth/logout": {"post"},
    "/api/drafts/me": {"get", "put"},
    "/api/rules": {"get", "post"},
    "/api/rules/{id}": {"get"},
    "/api/rules/me": {"get"},
    "/api/templates": {"get"},
    "/api/templates/{slug}": {"get"},
    "/api/web-vitals": {"get", "post"},
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def document(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_schema_is_valid_openapi_3(document):
    assert document["openapi"].startswith("3.")
    validate(document)  # openapi-spec-validator: raises on any violation


def test_schema_lists_exactly_the_routes_of_the_spec(document):
    listed = {
        path: {method for method in item if method in HTTP_METHODS}
        for path, item in document["paths"].items()
    }
    assert listed == SPEC_ROUTES


def test_yaml_on_request(api_client, document):
    response = api_client.get("/api/schema", {"format": "yaml"})
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert "json" not in response["Content-Type"]
    assert yaml.safe_load(response.content) == document


def test_unknown_format_is_a_json_404(api_client):
    response = api_client.get("/api/schema", {"format": "xml"})
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["error"]["code"] == "not_found"


def test_every_operation_documents_its_errors_with_the_error_shape(document):
    error_schema = document["components"]["schemas"]["Error"]
    assert set(error_schema["required"]) == {"error"}
    assert set(error_schema["properties"]) == {"error", "details"}
    for path, method, operation in operations(document):
        responses = operation["responses"]
        assert {"400", "500", "503"} <= set(responses), (method, path)
        for status, response in responses.items():
            assert response["headers"]["X-Request-ID"], (method, path, status)
            if int(status) >= 400 and path != "/api/health":
                schema = response["content"]["application/json"]["schema"]
                assert schema["$ref"] in (
                    "#/components/schemas/Error",
                    "#/components/schemas/RateLimitedError",
                ), (method, path, status)
        if method in ("post", "put"):
            assert {"403", "411", "413", "415"} <= set(responses), (method, path)


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/api/auth/otp/request", {"200", "400", "429", "502", "503"}),
        ("post", "/api/auth/otp/verify", {"200", "400", "403", "429"}),
        ("get", "/api/auth/session", {"200"}),
        ("get", "/api/drafts/me", {"200", "401"}),
        ("put", "/api/drafts/me", {"200", "400", "401"}),
        ("get", "/api/rules", {"200", "400"}),
        ("post", "/api/rules", {"201", "400", "401"}),
        ("get", "/api/rules/{id}", {"200", "404"}),
        ("get", "/api/rules/me", {"200", "401"}),
        ("get", "/api/templates", {"200", "304"}),
        ("get", "/api/templates/{slug}", {"200", "404"}),
        ("post", "/api/web-vitals", {"200", "400", "413", "415", "429"}),
        ("get", "/api/web-vitals", {"200", "400", "401", "403"}),
        ("get", "/api/health", {"200", "503"}),
    ],
)
def test_route_statuses(document, method, path, statuses):
    assert statuses <= set(document["paths"][path][method]["responses"])


def test_rate_limited_answers_document_retry_after(document):
    for path, method, operation in operations(document):
        if "429" in operation["responses"]:
            assert "Retry-After" in operation["responses"]["429"]["headers"], (method, path)


def test_session_cookie_scheme(document):
    assert document["components"]["securitySchemes"]["crSession"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "cr_session",
    }
    secured = {path for path, _, op in operations(document) if {"crSession": []} in op.get("security", [])}
    assert {"/api/drafts/me", "/api/rules/me", "/api/web-vitals", "/api/auth/session"} <= secured


def test_list_routes_answer_one_object_not_an_array(document):
    for path in ("/api/rules", "/api/templates"):
        schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in schema, schema


def test_docs_page_is_swagger_ui_from_our_own_static_files(api_client):
    response = api_client.get("/api/docs")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "/api/schema" in page
    # No CDN: every script and stylesheet is one of ours, under STATIC_URL.
    assets = [src for src in _asset_urls(page) if src.endswith((".js", ".css"))]
    assert assets
    for url in assets:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), url


def _asset_urls(page):
    import re

    return re.findall(r'(?:src|href)="([^"]+)"', page)
