"""Saving the one draft a user has (SPEC §5 "Drafts")."""

from django.utils import timezone

from drafts.models import RuleDraft


def save_draft(*, user, payload: dict) -> RuleDraft:
    """Create or replace ``user``'s draft with ``payload``, in one statement.

    ``INSERT ... ON CONFLICT (user_id) DO UPDATE ... RETURNING``: PostgreSQL
    serialises concurrent upserts on the unique key, so any number of
    simultaneous saves for one user all succeed and leave exactly one row,
    holding one of the submitted payloads (the last to commit).
    """
    draft = RuleDraft(user=user, payload=payload, updated_at=timezone.now())
    RuleDraft.objects.bulk_create(
        [draft],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["payload", "updated_at"],
    )
    return draft
