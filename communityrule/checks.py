"""System checks for dangerous production configuration the framework does not catch.

Registered with ``deploy=True`` like Django's own security checks, so they
run with ``manage.py check --deploy``, never on ``runserver``, ``migrate`` or
in the many tests that start gunicorn with production-like settings. Three
places run that command, each stopping on any error before gunicorn starts:

- the image's start (Dockerfile ``CMD``: ``check --deploy --fail-level ERROR
  && exec gunicorn ...``), so a container with a dangerous environment exits
  instead of serving;
- docker-compose.yml's app command, before ``migrate`` and gunicorn;
- the release step without Docker, before ``migrate`` (docs/deploy.md §3).

``--fail-level ERROR``: Django's own deploy warnings are printed but do not
block start-up; these errors do. Every check is silent when DEBUG is on.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# Emailing through these backends means nobody ever receives a sign-in code.
NON_DELIVERING_EMAIL_BACKENDS = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
    }
)


@register(Tags.security, deploy=True)
def check_auth_cookie_secure(app_configs, **kwargs):
    """The sign-in cookie must not travel over plain http in production."""
    if settings.DEBUG or settings.AUTH_COOKIE_SECURE:
        return []
    return [
        Error(
            "AUTH_COOKIE_SECURE is off while DEBUG is off: the cr_session cookie "
            "would be sent over plain http.",
            hint="Serve the app over https (TLS at the reverse proxy) and unset "
            "AUTH_COOKIE_SECURE or set it to true.",
            id="communityrule.E001",
        )
    ]


@register(Tags.security, deploy=True)
def check_trusted_proxy_count(app_configs, **kwargs):
    """TRUSTED_PROXY_COUNT must not exceed the proxies really in front of the app.

    The app cannot count its proxies. If the setting is larger than the real
    number of hops, the entry it trusts in X-Forwarded-For is one the client
    wrote, so clients choose their own IP and escape every per-IP rate limit.
    Deployments rarely have more than two proxies (a CDN and a load balancer);
    above TRUSTED_PROXY_COUNT_MAX (default 2) the operator must say so.
    """
    if settings.DEBUG:
        return []
    problems = []
    count = settings.TRUSTED_PROXY_COUNT
    bound = settings.TRUSTED_PROXY_COUNT_MAX
    if count < 0:
        problems.append(
            Error(
                f"TRUSTED_PROXY_COUNT is {count}; it must be 0 or more.",
                id="communityrule.E002",
            )
        )
    elif count > bound:
        problems.append(
            Error(
                f"TRUSTED_PROXY_COUNT is {count}, more than the {bound} reverse proxies "
                "this deployment declares: if fewer proxies really append to "
                "X-Forwarded-For, clients choose their own IP address and escape "
                "per-IP rate limits.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies in front of the "
                "app. If there really are that many, set TRUSTED_PROXY_COUNT_MAX to "
                "the same number.",
                id="communityrule.E002",
            )
        )
    if count > 0 and getattr(settings, "SECURE_PROXY_SSL_HEADER", None) is None:
        problems.append(
            Warning(
                "TRUSTED_PROXY_COUNT is set but SECURE_PROXY_SSL_HEADER is off: behind "
                "a TLS-terminating proxy Django believes every request is plain http.",
                hint="Unset SECURE_PROXY_SSL_HEADER (on by default outside development) "
                "and make the proxy set X-Forwarded-Proto.",
                id="communityrule.W002",
            )
        )
    return problems


@register(Tags.security, deploy=True)
def check_email_backend(app_configs, **kwargs):
    """Sign-in codes must reach a real mailbox in production."""
    if settings.DEBUG or settings.EMAIL_BACKEND not in NON_DELIVERING_EMAIL_BACKENDS:
        return []
    return [
        Error(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND} while DEBUG is off: sign-in "
            "codes would never reach anyone.",
            hint="Set EMAIL_URL (e.g. smtp+tls://user:password@host:587) or an "
            "anymail EMAIL_BACKEND with its ANYMAIL_* variables.",
            id="communityrule.E003",
        )
    ]


@register(Tags.database, deploy=True)
def check_vitals_retention(app_configs, **kwargs):
    """Stored web vitals need a retention, or the table grows for ever."""
    if settings.DEBUG or settings.VITALS_STORAGE != "db" or settings.VITALS_RETENTION_DAYS > 0:
        return []
    return [
        Error(
            f"VITALS_STORAGE is db but VITALS_RETENTION_DAYS is "
            f"{settings.VITALS_RETENTION_DAYS}: prune_vitals refuses to run and the "
            "table grows for ever.",
            hint="Set VITALS_RETENTION_DAYS to a positive number of days and run "
            "manage.py prune_vitals daily from cron.",
            id="communityrule.E004",
        )
    ]
