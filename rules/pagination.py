"""Newest-first keyset pagination of ``GET /api/rules`` (SPEC §5).

The cursor is opaque to clients: base64url of ``<created_at ISO>|<id>`` of
the last rule on the page. The next page is the rules strictly before that
key in (created_at, id) order, so rules published between page fetches never
shift a page and every rule is returned exactly once.
"""

import base64
import binascii
import re
import uuid
from datetime import UTC, datetime

from django.db.models import Q

from communityrule.api.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
_WHOLE_NUMBER = re.compile(r"[0-9]+")


def parse_limit(raw: str | None) -> int:
    """SPEC §5: above 100 is capped; anything not a whole number >= 1 means 50."""
    if raw is None or not _WHOLE_NUMBER.fullmatch(raw.strip()):
        return DEFAULT_LIMIT
    digits = raw.strip().lstrip("0")
    # Python refuses int() of more than 4,300 digits; any such number is capped anyway.
    limit = int(digits) if 0 < len(digits) <= 9 else (MAX_LIMIT if digits else 0)
    return min(limit, MAX_LIMIT) if limit >= 1 else DEFAULT_LIMIT


def encode_cursor(rule) -> str:
    key = f"{rule.created_at.isoformat()}|{rule.id}"
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (created_at, id) key a cursor names; ValidationFailed when malformed."""
    try:
        if len(cursor) > 200:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, _, rule_id = raw.decode("ascii").partition("|")
        created_at = datetime.fromisoformat(created)
        if created_at.tzinfo is None:
            raise ValueError("naive timestamp")
        # In UTC: PostgreSQL takes offsets only up to ±15:59, Python up to ±23:59.
        return created_at.astimezone(UTC), uuid.UUID(rule_id)
    except (ValueError, OverflowError, binascii.Error):
        raise ValidationFailed("Invalid cursor.", details={"cursor": ["Invalid cursor."]}) from None


def page(queryset, *, limit: int, cursor: str | None):
    """One page of ``queryset`` (already newest first) and the cursor of the next, or None."""
    if cursor:
        created_at, rule_id = decode_cursor(cursor)
        # created_at <= key bounds the index range; the OR breaks ties by id.
        queryset = queryset.filter(created_at__lte=created_at).filter(
            Q(created_at__lt=created_at) | Q(id__lt=rule_id)
        )
    rows = list(queryset[: limit + 1])
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1])
    return rows, None
