import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from drafts import services
from drafts.models import RuleDraft


def test_save_draft_is_one_upsert_statement(make_user):
    user = make_user()
    services.save_draft(user=user, payload={"title": "one"})

    with CaptureQueriesContext(connection) as queries:
        draft = services.save_draft(user=user, payload={"title": "two"})

    (query,) = queries.captured_queries
    assert query["sql"].startswith('INSERT INTO "drafts_ruledraft"')
    assert 'ON CONFLICT("user_id") DO UPDATE SET' in query["sql"]
    assert draft.pk == RuleDraft.objects.get().pk
    assert RuleDraft.objects.get().payload == {"title": "two"}


@pytest.mark.django_db(transaction=True)
def test_save_draft_in_autocommit_is_one_round_trip(make_user):
    # Outside a test transaction, as in production: no BEGIN/COMMIT around the upsert.
    user = make_user()
    first = services.save_draft(user=user, payload={"title": "one"})
    payload = {"title": "two", "zeta": [1, 2.5, None, True], "ünï": {"deep": "✓ \"q\" \\"}, "alpha": {}}

    with CaptureQueriesContext(connection) as queries:
        second = services.save_draft(user=user, payload=payload)

    assert [query["sql"].split(" ", 1)[0] for query in queries.captured_queries] == ["INSERT"]
    stored = RuleDraft.objects.get()
    assert second.pk == first.pk == stored.pk
    assert not second._state.adding
    assert json.dumps(stored.payload, sort_keys=True) == json.dumps(payload, sort_keys=True)
    assert second.updated_at == stored.updated_at > first.updated_at


def test_deleting_the_user_deletes_the_draft(make_user):
    user = make_user()
    services.save_draft(user=user, payload={})

    user.delete()

    assert not RuleDraft.objects.exists()
