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


def test_deleting_the_user_deletes_the_draft(make_user):
    user = make_user()
    services.save_draft(user=user, payload={})

    user.delete()

    assert not RuleDraft.objects.exists()
