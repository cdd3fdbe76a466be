"""Named rate limits on Django's cache, via django-ratelimit (SPEC §4-5).

Rules live in ``settings.RATE_LIMITS``; :func:`enforce` is the one mechanism.
django-ratelimit alone would answer 403 and raise (500) when Redis is down;
here a limit answers 429 ``rate_limited`` with ``Retry-After``, and an
unreachable cache either fails open or answers 503 per the rule's
``cache_down`` setting.
"""

import logging

from django.conf import settings
from django_ratelimit.core import get_usage

from communityrule.api.errors import RateLimited, ServiceUnavailable

logger = logging.getLogger(__name__)


def enforce(request, rule: str, *, key: str, increment: bool = True) -> None:
    """Count one hit of ``rule`` for ``key``; raise RateLimited when over the rate."""
    config = settings.RATE_LIMITS[rule]
    try:
        usage = get_usage(
            request,
            group=rule,
            key=lambda group, request: key,
            rate=config["rate"],
            increment=increment,
        )
    except Exception:  # the cache backend's own errors (redis.ConnectionError, ...)
        logger.warning("rate-limit cache unreachable for rule %s", rule, exc_info=True)
        if config.get("cache_down") == "open":
            return
        raise ServiceUnavailable() from None
    if usage is None:
        return
    if usage["time_left"] < 0 and usage["limit"] == 0:
        # django-ratelimit could not read or write its counter.
        if config.get("cache_down") == "open":
            return
        raise ServiceUnavailable()
    if usage["should_limit"]:
        raise RateLimited(max(1, usage["time_left"]))
