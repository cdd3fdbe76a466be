"""Saving the one draft a user has (SPEC §5 "Drafts")."""

from django.db import connection
from django.utils import timezone

from drafts.models import RuleDraft

# bulk_create(update_conflicts=True) sends the same statement wrapped in
# BEGIN/COMMIT: four round trips where one will do (docs/benchmarks.md, "Tuning").
UPSERT = (
    f'INSERT INTO "{RuleDraft._meta.db_table}" ("user_id", "payload", "updated_at") VALUES (%s, %s, %s) '
    'ON CONFLICT("user_id") DO UPDATE SET "payload" = EXCLUDED."payload", '
    '"updated_at" = EXCLUDED."updated_at" '
    'RETURNING "id"'
)


def save_draft(*, user, payload: dict) -> RuleDraft:
    """Create or replace ``user``'s draft with ``payload``, in one statement and one round trip.

    ``INSERT ... ON CONFLICT (user_id) DO UPDATE ... RETURNING``, sent on its
    own in autocommit: a single statement is atomic, so a failure or a killed
    worker leaves the old draft or the new one, never a mix; inside a caller's
    ``atomic`` block it is part of that transaction. PostgreSQL serialises
    concurrent upserts on the unique key, so any number of simultaneous saves
    for one user all succeed and leave exactly one row, holding one of the
    submitted payloads (the last to commit).
    """
    draft = RuleDraft(user=user, payload=payload, updated_at=timezone.now())
    # Each value adapted as the ORM adapts it (the payload as Jsonb with the field's encoder).
    fields = [RuleDraft._meta.get_field(name) for name in ("user", "payload", "updated_at")]
    values = [field.get_db_prep_save(getattr(draft, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(UPSERT, values)
        (draft.pk,) = cursor.fetchone()
    draft._state.adding = False
    draft._state.db = connection.alias
    return draft
