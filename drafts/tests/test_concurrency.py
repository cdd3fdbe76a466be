import json
import threading
from http import HTTPStatus

import pytest
from django.conf import settings
from django.db import connections

from conftest import JsonClient
from drafts.models import RuleDraft

THREADS = 40


@pytest.mark.django_db(transaction=True)
def test_parallel_puts_by_one_user_all_succeed_and_leave_one_row(make_user, sign_in):
    user = make_user()
    session_client = JsonClient()
    sign_in(session_client, user)
    cookie = session_client.cookies[settings.AUTH_COOKIE_NAME].value
    payloads = [{"title": f"Version {n}", "n": n, "extra": ["ü", {"deep": [n]}]} for n in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    statuses = [None] * THREADS
    errors = []

    def put(index):
        try:
            client = JsonClient()
            client.cookies[settings.AUTH_COOKIE_NAME] = cookie
            barrier.wait(timeout=10)
            statuses[index] = client.put_json("/api/drafts/me", {"payload": payloads[index]}).status_code
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=put, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert statuses == [HTTPStatus.OK] * THREADS
    (draft,) = RuleDraft.objects.filter(user=user)
    assert draft.payload in payloads
    # Byte-for-byte as sent, once key order is normalised.
    sent = payloads[draft.payload["n"]]
    assert json.dumps(draft.payload, sort_keys=True) == json.dumps(sent, sort_keys=True)
