from http import HTTPStatus

import pytest


@pytest.mark.django_db
def test_health_reports_database(api_client, settings):
    settings.REDIS_URL = ""
    response = api_client.get("/api/health")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"ok": True, "database": "connected"}


@pytest.mark.django_db
def test_unknown_api_path_is_json_404(api_client):
    response = api_client.get("/api/nope")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}
