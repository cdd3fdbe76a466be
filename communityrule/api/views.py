"""Project-level API views."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


# Unsafe requests under /api are guarded by CrossOriginProtectionMiddleware
# (SPEC §4), as DRF views already are; Django's CSRF check would answer an
# HTML-less 403 where SPEC §5 wants 405 with Allow.
@csrf_exempt
@require_safe
def health(request):
    """GET/HEAD /api/health: database (and cache, with REDIS_URL) reachability.

    Cheap, writes nothing, never rate limited.
    """
    body = {"ok": True, "database": "connected"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("health: database unreachable")
        body.update(ok=False, database="error")
    if settings.REDIS_URL:
        try:
            cache.get("health-probe")
            body["cache"] = "connected"
        except Exception:  # redis.ConnectionError, TimeoutError, ...
            logger.warning("health: cache unreachable")
            body.update(ok=False, cache="error")
    return JsonResponse(body, status=200 if body["ok"] else 503)
