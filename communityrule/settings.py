"""Settings for Community Rule, driven by the environment (SPEC §3).

Production and development differ only by environment values. Missing
production values raise ImproperlyConfigured with one clear sentence.
"""

import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

# --- Mode --------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
# pytest imports this module itself; tests get development defaults (embedded
# PostgreSQL, a fixed secret) without DEBUG, which Django's test runner forces off.
TESTING = "pytest" in sys.modules
DEVELOPMENT = DEBUG or TESTING


def _required(name: str, what: str):
    raise ImproperlyConfigured(
        f"{name} must be set when DEBUG is off ({what}); see .env.example."
    )


# --- Core --------------------------------------------------------------------
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEVELOPMENT:
        _required("SECRET_KEY", "it keys sessions and one-time codes")
    SECRET_KEY = "dev-only-insecure-secret-key-change-me-0123456789abcdefghijkl"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not DEVELOPMENT:
        _required("ALLOWED_HOSTS", "a comma-separated list of host names")
    ALLOWED_HOSTS = ["localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "communityrule",
    "accounts",
    "drafts",
    "rules",
    "templates_app",
    "vitals",
]

MIDDLEWARE = [
    "communityrule.api.middleware.RequestIdMiddleware",
    "communityrule.api.middleware.ApiGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "communityrule.api.middleware.CrossOriginProtectionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "communityrule.urls"
WSGI_APPLICATION = "communityrule.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "communityrule" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Database ----------------------------------------------------------------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
elif DEVELOPMENT:
    from communityrule.embedded_postgres import database_settings

    DATABASES = {"default": database_settings(BASE_DIR / ".data" / "pg")}
else:
    _required("DATABASE_URL", "a postgres:// URL")
DATABASES["default"].update(
    {
        "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=60),
        # Recover by itself when PostgreSQL comes back (SPEC §4).
        "CONN_HEALTH_CHECKS": True,
        "ATOMIC_REQUESTS": False,
    }
)
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 3)

# --- Cache and rate limits ---------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="cr"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Named rate-limit rules (django-ratelimit rate strings), enforced by
# communityrule.api.ratelimit.enforce. ``cache_down`` says what a rule does when
# the cache (Redis) is unreachable: "unavailable" answers 503, "open" lets the
# request through (SPEC §5: only code requests stop when Redis is down).
RATE_LIMITS = {
    "otp_request_ip": {"rate": "1/20s", "cache_down": "unavailable"},
    "otp_verify_ip": {"rate": "30/10m", "cache_down": "open"},
    "vitals_ip": {"rate": "120/m", "cache_down": "open"},
    "admin_login_ip": {"rate": "10/5m", "cache_down": "open"},
}
RATELIMIT_ENABLE = True
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Sanity bound checked by communityrule.checks (E002); raise it only when that
# many proxies really append to X-Forwarded-For (docs/deploy.md).
TRUSTED_PROXY_COUNT_MAX = env.int("TRUSTED_PROXY_COUNT_MAX", default=2)

# --- Email -------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Community Rule <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
elif env.str("EMAIL_BACKEND", default=""):
    # Any django-anymail provider, e.g. anymail.backends.postmark.EmailBackend,
    # configured through ANYMAIL_* variables.
    EMAIL_BACKEND = env.str("EMAIL_BACKEND")
    ANYMAIL = {
        key[len("ANYMAIL_"):]: value
        for key, value in env.ENVIRON.items()
        if key.startswith("ANYMAIL_")
    }
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    _required("EMAIL_URL", "e.g. smtp+tls://user:password@host:587, or an anymail EMAIL_BACKEND")

# --- Sign-in -----------------------------------------------------------------
AUTH_COOKIE_NAME = "cr_session"
AUTH_COOKIE_SECURE = env.bool("AUTH_COOKIE_SECURE", default=not DEBUG)
AUTH_SESSION_DAYS = env.int("AUTH_SESSION_DAYS", default=30)
AUTH_SESSION_IDLE_DAYS = env.int("AUTH_SESSION_IDLE_DAYS", default=14)
OTP_TTL_SECONDS = 600
OTP_MAX_ATTEMPTS = 5
OTP_EMAIL_FAILURES_PER_HOUR = 10
OTP_EMAIL_INTERVAL_SECONDS = 60

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- HTTP, browsers and security ---------------------------------------------
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After", "ETag"]

# SPEC §4: at most 512 KiB per request body.
API_MAX_BODY_BYTES = 524288
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
APPEND_SLASH = True  # admin only; no /api route ends with a slash

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = AUTH_COOKIE_SECURE
CSRF_COOKIE_SECURE = AUTH_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# TLS ends at the reverse proxy (docs/deploy.md); it tells us the scheme.
if env.bool("SECURE_PROXY_SSL_HEADER", default=not DEVELOPMENT):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEVELOPMENT else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a TLS-terminating proxy the redirect is the proxy's job; check --deploy
# would otherwise ask for SECURE_SSL_REDIRECT (W008). HSTS preload is a
# near-irreversible commitment for the whole domain: an operator opts in with
# SECURE_HSTS_PRELOAD=true rather than check --deploy demanding it (W021).
SILENCED_SYSTEM_CHECKS = ["security.W008", "security.W021"]

# --- Static files ------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = DEVELOPMENT
WHITENOISE_AUTOREFRESH = DEVELOPMENT
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEVELOPMENT
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- REST framework and OpenAPI ----------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.SessionCookieAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": ["communityrule.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_METADATA_CLASS": "communityrule.api.metadata.RouteMetadata",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "communityrule.api.negotiation.JsonOnlyNegotiation",
    "EXCEPTION_HANDLER": "communityrule.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Community Rule API",
    "DESCRIPTION": "JSON API serving the Community Rule single-page app.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No calls out: Swagger UI would otherwise fetch a badge from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    # /api/health's "database" and "cache" share one enum.
    "ENUM_NAME_OVERRIDES": {"ReachabilityEnum": ["connected", "error"]},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "communityrule.api.schema.add_common_responses",
    ],
}

# --- Web vitals --------------------------------------------------------------
VITALS_STORAGE = env.str("VITALS_STORAGE", default="log")
if VITALS_STORAGE not in ("log", "db", "off"):
    raise ImproperlyConfigured("VITALS_STORAGE must be one of log, db or off.")
VITALS_RETENTION_DAYS = env.int("VITALS_RETENTION_DAYS", default=30)

# --- Logging -----------------------------------------------------------------
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "communityrule.api.middleware.RequestIdLogFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our access log replaces Django's request/server lines.
        "django.request": {"level": "CRITICAL"},
        "django.server": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
        # VITALS_STORAGE=log: these lines are data for the log drain, kept
        # whatever LOG_LEVEL says.
        "communityrule.vitals": {"level": "INFO"},
    },
}
