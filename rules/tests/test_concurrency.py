import threading
from http import HTTPStatus

import pytest
from django.conf import settings
from django.db import connections

from conftest import JsonClient
from rules.models import PublishedRule


@pytest.mark.django_db(transaction=True)
def test_paging_while_another_client_publishes(make_user, sign_in):
    author = JsonClient()
    sign_in(author, make_user())
    cookie = author.cookies[settings.AUTH_COOKIE_NAME].value
    for n in range(60):
        assert author.post_json("/api/rules", {"title": f"before {n}", "document": {}}).status_code == HTTPStatus.CREATED
    before = set(PublishedRule.objects.values_list("id", flat=True))
    stop = threading.Event()
    published = []
    errors = []

    def publish():
        client = JsonClient()
        client.cookies[settings.AUTH_COOKIE_NAME] = cookie
        try:
            while not stop.is_set():
                response = client.post_json("/api/rules", {"title": "during", "document": {}})
                assert response.status_code == HTTPStatus.CREATED
                published.append(response.json()["rule"]["id"])
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    publisher = threading.Thread(target=publish)
    publisher.start()
    seen = []
    try:
        reader = JsonClient()
        cursor = None
        while True:
            page = reader.get("/api/rules", {"limit": 7, **({"cursor": cursor} if cursor else {})}).json()
            seen += [item["id"] for item in page["rules"]]
            cursor = page["nextCursor"]
            if cursor is None:
                break
    finally:
        stop.set()
        publisher.join(timeout=30)

    assert not errors, errors
    assert published, "the publisher never ran concurrently"
    assert len(seen) == len(set(seen)), "a rule was returned twice"
    assert {str(rule_id) for rule_id in before} <= set(seen), "a rule was skipped"
