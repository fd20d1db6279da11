"""Tutornet settings: the one place that reads the environment.

Every value a deployment may change comes from an environment variable with a
default that works on a developer's machine (local PostgreSQL and Redis, the
demo district on ``*.localhost``).  ``tests/test_settings.py`` asserts the
critical ones, so a typo here fails loudly instead of silently.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


PLATFORM_DIR = Path(__file__).resolve().parents[2]
BASE_DIR = PLATFORM_DIR.parent
VAR_DIR = Path(env("TUTORNET_VAR_DIR", str(BASE_DIR / "var")))

# Under pytest, and in the processes the tests start (worker, ASGI server):
# fast password hashing, since the suite creates many users.
TESTING = "pytest" in sys.modules or env_bool("TUTORNET_TESTING")

# The built-in key is public (it is in this file): it signs sessions, portal-hop tickets and
# calendar-feed tokens, so with it anyone could sign in as anyone.  Only DEBUG may run on it;
# ``./run`` and the tests give their processes a key of their own (tutornet/launcher.py,
# tests/settings.py), docker-compose takes it from the environment.
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789"
SECRET_KEY = env("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
if not DEBUG and SECRET_KEY.strip() in {"", DEV_SECRET_KEY}:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set: with DEBUG off Tutornet refuses to start on the built-in development "
        "key. Set the SECRET_KEY environment variable to a long random value, e.g. "
        "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'` (or DEBUG=1 on a developer machine)."
    )

# --- tenancy -----------------------------------------------------------------
# The base domain: the public (operator) site is served on it, every
# organisation on a subdomain of it (centre.<base>, school1.<base>, ...).
BASE_DOMAIN = env("TUTORNET_BASE_DOMAIN", "localhost")
# Port and scheme used when the platform writes absolute links (emails).
PUBLIC_PORT = env("TUTORNET_PUBLIC_PORT", "8000")
URL_SCHEME = env("TUTORNET_URL_SCHEME", "http")
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", *filter(None, env("ALLOWED_HOSTS").split(","))]

TENANT_MODEL = "tenants.Organisation"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "tutornet.urls_public"
ROOT_URLCONF = "tutornet.urls_tenant"
# Without this every query pays a `SET search_path` (django-tenants #801).
TENANT_LIMIT_SET_CALLS = True
# Seconds a host -> organisation lookup stays cached in each process.
TENANT_CACHE_SECONDS = env_int("TUTORNET_TENANT_CACHE_SECONDS", 60)

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "channels",
    "csp",
    "accounts",
    "notifications",
    "codifier",
    "portal",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "consultations",
    "casebank",
    "tutorials",
    "tutorials.diagnostics",
    "tutorials.diagnostics.campaigns",
    "tutorials.events",
    "tutorials.routes",
    "tutorials.district",
]
# Order matters (templates, static files, migrations): keep it deterministic.
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

MIDDLEWARE = [
    "tutornet.middleware.CachedTenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.MembershipMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tutornet.context_processors.portal",
            ],
        },
    }
]

WSGI_APPLICATION = "tutornet.wsgi.application"
ASGI_APPLICATION = "tutornet.asgi.application"

# --- PostgreSQL ------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tutornet")
# Under ASGI every request may run in a new thread, so persistent per-thread
# connections (CONN_MAX_AGE > 0) pile up until PostgreSQL refuses clients
# (measured in bench/tenant_routing.py).  Connections come from psycopg's pool
# instead; django-tenants sets the search_path again on the first query of every
# request and task, so a pooled connection never carries another school's schema.
# The pool is on by default only in the ASGI server (``tutornet/asgi.py`` sets
# TUTORNET_ASGI) and where a process asks for it (the demo's threaded Celery worker):
# a process that forks after touching the database (``migrate_schemas
# --executor=multiprocessing``, Celery's prefork pool) would hand its pooled sockets
# to its children, which then read each other's answers and hang (``./run demo`` did).
DB_POOL_MAX = env_int("DB_POOL_MAX", 10 if env_bool("TUTORNET_ASGI") and not TESTING else 0)
DATABASES = {
    "default": {
        **dj_database_url.parse(DATABASE_URL, conn_max_age=0),
        "ENGINE": "django_tenants.postgresql_backend",
        "TEST": {"NAME": env("TUTORNET_TEST_DB", "test_tutornet")},
    }
}
if DB_POOL_MAX:
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": 1,
            "max_size": DB_POOL_MAX,
            "timeout": 10,
        }
    }
    # Where connections are pooled, the ASGI handler lets at most DB_POOL_MAX requests at work
    # at once; the others wait on the event loop, not for the pool's timeout (tutornet/admission.py).
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery, Channels --------------------------------------------
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Keys carry the schema, so one school never reads another's cache.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    },
    # Copies of the sessions (tutornet/sessions.py): one table in the public schema, one cookie for
    # every portal, so these keys must NOT carry the schema (a sign-out anywhere removes the copy).
    "sessions": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "sessions",
    },
}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Seconds after which an undelivered notification is re-queued by beat.
NOTIFICATION_RESEND_AFTER = env_int("TUTORNET_NOTIFICATION_RESEND_AFTER", 60)
CELERY_BEAT_SCHEDULE = {
    "notifications-resend-stuck": {
        "task": "notifications.resend_stuck",
        "schedule": float(env_int("TUTORNET_NOTIFICATION_SWEEP_SECONDS", 30)),
    },
    # Both fan out over the organisations in chunks (consultations.tasks).
    "consultations-reminders": {"task": "consultations.reminders_sweep", "schedule": 60.0},
    "consultations-waitlist-expiry": {"task": "consultations.waitlist_expiry_sweep", "schedule": 60.0},
    # The booking horizon moves forward every day: generate the slots it uncovers.
    "consultations-slots-extend": {"task": "consultations.slots_extend_sweep", "schedule": 3600.0},
    # Diagnostics: submit attempts whose time is up; announce and remind campaigns (fan out too).
    "diagnostics-submit-due": {"task": "diagnostics.submit_due_sweep", "schedule": 30.0},
    "diagnostics-notify": {"task": "diagnostics.notify_sweep", "schedule": 300.0},
    # Tutorials: reminders and expired waiting-list offers, fanned out the same way (tutorials.tasks).
    "tutorials-reminders": {"task": "tutorials.reminders_sweep", "schedule": 60.0},
    "tutorials-waitlist-expiry": {"task": "tutorials.waitlist_expiry_sweep", "schedule": 60.0},
    # Professional routes: deadline reminders and overdue notices of plan items (tutorials.routes.tasks).
    "routes-deadline-reminders": {"task": "routes.reminders_sweep", "schedule": 900.0},
    # District picture: recompute the pictures whose campaign has newer final results (fan out too).
    "district-picture-stale": {"task": "district_picture.stale_sweep", "schedule": 300.0},
}

# Two redis-py 8 defaults broke consumers (bench/slot_fanout.py, tests/consultations/test_live.py):
# * a pool holds at most 100 connections and fails at once beyond it; every
#   group_add/group_discard takes one, so 500 pages leaving together (a restart,
#   a network blip) crashed their consumers.  Cap it higher.
# * socket_timeout is 5 s, exactly channels_redis' BZPOPMIN wait (brpop_timeout = 5):
#   an idle process's receive timed out reading the reply and killed a consumer.
CHANNEL_REDIS_MAX_CONNECTIONS = env_int("CHANNEL_REDIS_MAX_CONNECTIONS", 2000)
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [
                {
                    "address": REDIS_URL,
                    "max_connections": CHANNEL_REDIS_MAX_CONNECTIONS,
                    "socket_timeout": 15,
                }
            ],
            "capacity": 1500,
            "expiry": 30,
        },
    }
}

# --- people, sign-in -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
# A path, not a URL name: the public site and the portals have different URL confs.
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    h
    for h in [
        "django.contrib.auth.hashers.MD5PasswordHasher" if TESTING else "",
        # Argon2id (tutornet.hashers, bench/sign_in.py); PBKDF2 hashes upgrade at the next sign-in.
        "tutornet.hashers.Argon2idHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    if h
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
INVITATION_VALID_DAYS = env_int("TUTORNET_INVITATION_VALID_DAYS", 14)

# --- consultations ---------------------------------------------------------------------
# Minutes a waitlisted teacher has to take a freed place before it passes to the next.
WAITLIST_OFFER_MINUTES = env_int("TUTORNET_WAITLIST_OFFER_MINUTES", 120)

# One sign-in for every subdomain of the base domain.  Browsers refuse a
# cookie for a single-label domain (Chromium drops `Domain=.localhost`), so on
# bare `localhost` the cookie stays host-only and each portal signs in on its
# own; with a dotted base domain (`tutornet.localhost`, `tutornet.example.ru`)
# one sign-in covers every subdomain.
SESSION_COOKIE_DOMAIN = env("SESSION_COOKIE_DOMAIN", f".{BASE_DOMAIN}" if "." in BASE_DOMAIN else "") or None
CSRF_COOKIE_DOMAIN = SESSION_COOKIE_DOMAIN
SESSION_ENGINE = "tutornet.sessions"  # the row in PostgreSQL, a copy in Redis read first
SESSION_CACHE_ALIAS = "sessions"
SESSION_CACHE_SECONDS = env_int("SESSION_CACHE_SECONDS", 300)  # a copy lives at most this long
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
CSRF_TRUSTED_ORIGINS = [
    f"{URL_SCHEME}://*.{BASE_DOMAIN}:{PUBLIC_PORT}",
    f"{URL_SCHEME}://{BASE_DOMAIN}:{PUBLIC_PORT}",
    f"{URL_SCHEME}://*.{BASE_DOMAIN}",
    f"{URL_SCHEME}://{BASE_DOMAIN}",
]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = URL_SCHEME == "https"

# --- HTTPS and browser protections (`python -m django check --deploy` passes; .ci/run) -----------
HTTPS = URL_SCHEME == "https"
# uvicorn runs with --proxy-headers: it takes the scheme (X-Forwarded-Proto) and the client's
# address (X-Forwarded-For) only from the proxies in FORWARDED_ALLOW_IPS (default 127.0.0.1;
# README, "Behind a reverse proxy"), so request.is_secure() is already right behind a trusted
# TLS proxy.  SECURE_PROXY_SSL_HEADER would believe the header from anyone who reaches the
# server directly, so it is off unless a deployment whose proxy always overwrites it (a WSGI
# server, say) asks for it.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("TUTORNET_TRUST_X_FORWARDED_PROTO") else None
)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's and compose's probe speak plain http
# Every portal is a subdomain of the base domain, so HSTS covers them all.
SECURE_HSTS_SECONDS = env_int("TUTORNET_HSTS_SECONDS", 60 * 60 * 24 * 365 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading is the domain owner's (nearly irreversible) decision: off unless asked.
SECURE_HSTS_PRELOAD = env_bool("TUTORNET_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp) on every response: scripts, styles, images and fonts
# only from this host (static/ is served locally, no CDN), never inline; no plugins, no
# framing.  WebSockets (bell, live week view) go to the same host; the explicit ws(s) sources
# cover browsers whose 'self' does not match ws:.  Forms may post to the other portals
# (sign-in hand-over between subdomains).  tests/tutornet/test_security_headers.py checks it
# and that no template carries inline script, handlers or styles.
_WS = "wss" if HTTPS else "ws"
_PORTALS = [f"{URL_SCHEME}://{BASE_DOMAIN}:*", f"{URL_SCHEME}://*.{BASE_DOMAIN}:*"]
_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        "connect-src": [_SELF, f"{_WS}://{BASE_DOMAIN}:*", f"{_WS}://*.{BASE_DOMAIN}:*"],
        "form-action": [_SELF, *_PORTALS],
        "frame-ancestors": ["'none'"],
        "base-uri": [_SELF],
        "object-src": ["'none'"],
    },
}

# Failed sign-in throttling (django-axes): 5 failures for one address and
# e-mail lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# authenticate() is called with `username=` (the sign-in form and the API token
# endpoint); axes' default is USERNAME_FIELD ("email"), which would record every
# failure with no username and lock out a whole school's shared address instead.
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# --- e-mail --------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 1025)
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Тьюторская сеть <noreply@tutornet.local>")

# --- language, time ------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", "Europe/Moscow")

# --- files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start without it
# Served by WhiteNoise from the finders: no CDN, no separate collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
# A centre's own Word template of the ИОМ: <dir>/<schema>/iom.docx or <dir>/iom.docx (README, routes).
ROUTES_DOCX_TEMPLATE_DIR = env("TUTORNET_ROUTES_DOCX_TEMPLATE_DIR", str(VAR_DIR / "docx_templates"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Case-material bank: the largest attachment accepted (documents, images) and how many per version.
CASEBANK_MAX_DOCUMENT_BYTES = env_int("TUTORNET_CASEBANK_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024)
CASEBANK_MAX_IMAGE_BYTES = env_int("TUTORNET_CASEBANK_MAX_IMAGE_BYTES", 5 * 1024 * 1024)
CASEBANK_MAX_ATTACHMENTS = env_int("TUTORNET_CASEBANK_MAX_ATTACHMENTS", 10)
# Search: a page is looked for first among about this many newest (best rated) materials
# (casebank.selectors.search_plan.page_window), when they are at most CASEBANK_SEARCH_WINDOW_SHARE
# of the bank (so from 200,000 materials on); matches beyond CASEBANK_SEARCH_EXACT_TOTAL show as
# «more than».
CASEBANK_SEARCH_WINDOW = env_int("TUTORNET_CASEBANK_SEARCH_WINDOW", 20_000)
CASEBANK_SEARCH_WINDOW_SHARE = float(env("TUTORNET_CASEBANK_SEARCH_WINDOW_SHARE", "0.1"))
CASEBANK_SEARCH_EXACT_TOTAL = env_int("TUTORNET_CASEBANK_SEARCH_EXACT_TOTAL", 1000)

# --- video-consultations (consultations/video.py) ------------------------------------------
# "jitsi" or "bbb" (BigBlueButton).
VIDEO_PROVIDER = env("VIDEO_PROVIDER", "jitsi")
# Jitsi Meet: rooms at https://<JITSI_HOST>/<room>.  With JITSI_SECRET set (a
# self-hosted Jitsi with token authentication) every participant gets a signed
# HS256 JWT; without it the plain room URL is used.
JITSI_HOST = env("JITSI_HOST", "meet.jit.si")
JITSI_APP_ID = env("JITSI_APP_ID", "tutornet")
JITSI_SECRET = env("JITSI_SECRET")
# BigBlueButton: the server's URL as `bbb-conf --secret` prints it
# (https://bbb.example.org/bigbluebutton/) and its shared secret.
BBB_URL = env("BBB_URL")
BBB_SECRET = env("BBB_SECRET")
BBB_CHECKSUM_ALGORITHM = env("BBB_CHECKSUM_ALGORITHM", "sha1")  # sha1 | sha256 (BBB >= 2.5 also sha384/512)
BBB_TIMEOUT_SECONDS = env_int("BBB_TIMEOUT_SECONDS", 5)
# The join link appears this many minutes before the start and disappears at the end.
VIDEO_JOIN_OPENS_MINUTES = env_int("VIDEO_JOIN_OPENS_MINUTES", 15)

# --- Help Hour (consultations/help_hour) --------------------------------------------------
# Largest document a school may attach to a request (and a tutor return), bytes.
HELP_HOUR_DOCUMENT_MAX_BYTES = env_int("HELP_HOUR_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)

# --- API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Tokens first: a caller without credentials gets 401 with `WWW-Authenticate: Token`
        # (DRF takes the header from the first class; with sessions first it was a 403).
        "tutornet.tokens.TokenAuthentication",  # knox's, reading the token once per request
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "tutornet.api.exception_handler",
}
# API tokens (django-rest-knox): stored as SHA-512 digests, valid for TUTORNET_API_TOKEN_DAYS,
# sent as `Authorization: Token <key>` like DRF's plaintext tokens were (README, "REST API").
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env_int("TUTORNET_API_TOKEN_DAYS", 30)),
    "TOKEN_LIMIT_PER_USER": None,
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_PREFIX": "tn_",  # recognisable to secret scanners when one leaks
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tutornet API",
    "DESCRIPTION": "REST API of Tutornet (Тьюторская сеть). Every path is served on an organisation's host.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the sidecar package: served locally, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The refusals every endpoint can give (401, 403, 404, 400), declared once: tutornet.api_schema.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tutornet.api_schema.error_responses",
    ],
    # Two choice sets share the field name "kind": name them, or the schema gets hashed names.
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "tenants.models.Organisation.Kind",
        "NotificationKindEnum": "notifications.models.Kind",
        "RoleEnum": "accounts.models.Role",
        # ... and three share "status" (consultations' API).
        "BookingStatusEnum": "consultations.models.Booking.Status",
        "WaitlistStatusEnum": "consultations.models.WaitlistEntry.Status",
        "BookingMarkStatusEnum": "consultations.api.MARK_STATUSES",
        # ... and the case bank's materials.
        "MaterialKindEnum": "casebank.models.Kind",
        "MaterialStatusEnum": "casebank.models.Status",
        # ... and tutorials.
        "TutorialKindEnum": "tutorials.models.Kind",
        "TutorialFormatEnum": "tutorials.models.Format",
        "OfferingFormatEnum": "consultations.models.Offering.Format",
        "TutorialStatusEnum": "tutorials.models.Tutorial.Status",
        "TutorialRegistrationStatusEnum": "tutorials.models.Registration.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
