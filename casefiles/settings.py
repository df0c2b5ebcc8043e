"""Settings for Casefiles, read from environment variables (see the README's table)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from casefiles.env import env_bool, env_database, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("CASEFILES_VAR_DIR", BASE_DIR / "var")

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Environment variable SECRET_KEY is required when DEBUG is off "
            "(set DEBUG=1 for local development)."
        )
    SECRET_KEY = "insecure-development-key-only-for-debug"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "people",
    "casefiles",
    "letters",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app server itself (`make serve`): collected, compressed, cached.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Response headers (see "Security headers" below): CSP, Permissions-Policy, no-store.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "casefiles.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sets request.user.is_verified(): has this session passed a second factor?
    "django_otp.middleware.OTPMiddleware",
    # Every page needs a login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Administrators and Health data staff (everyone with REQUIRE_2FA) reach no page but
    # the second-factor ones until they pass it; see casefiles/twofactor.py.
    "casefiles.twofactor.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the "locked" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "casefiles.urls"
WSGI_APPLICATION = "casefiles.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'casefiles.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default lives under var/, which a fresh clone does not have yet.
    VAR_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's own, with permissions read in one query (casefiles/auth_backend.py).
    "casefiles.auth_backend.ModelBackend1Query",
]
# Failed logins (django-axes): counted per username, not per address, because staff share
# office addresses and one colleague's typos must not lock out the rest. After
# AXES_FAILURE_LIMIT failures the username is refused, even with the right password, until
# AXES_COOLOFF_MINUTES have passed without another try.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Axes warns that without the address a client could rotate its browser to dodge the count;
# counting per username alone, there is no per-browser count to dodge.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
# The lockout WARNING names the username and address (axes masks them by default): the
# Administrator reading the log must know whose account is being guessed, and from where.
# Passwords are always masked.
AXES_SENSITIVE_PARAMETERS: list[str] = []
AXES_LOCKOUT_CALLABLE = "casefiles.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429

# Second factor (django-otp): required for Administrators and Health data staff, and for
# everyone with REQUIRE_2FA=1 (casefiles.twofactor.user_needs_second_factor).
REQUIRE_2FA = env_bool("REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = "Casefiles"
# The back office lists devices (an Administrator removes a lost phone's) without showing
# anyone's secret key or recovery codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_path("STATIC_ROOT", VAR_DIR / "static")
# WhiteNoise serves STATIC_ROOT (filled by collectstatic) with gzip and Brotli copies; in
# debug it finds the files where they are, so `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if DEBUG:
    # Empty in development (the files are found where they are); WhiteNoise wants it to exist.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env_path("MEDIA_ROOT", VAR_DIR / "media")
# Uploaded files and letter PDFs on S3-compatible object storage, so that several web and
# worker machines share them; MEDIA_ROOT on this machine when S3_BUCKET is not set.
S3_BUCKET = env_str("S3_BUCKET")
_s3_settings = {
    name: env_str(name)
    for name in ("S3_ENDPOINT_URL", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")
}
if S3_BUCKET:
    _endpoint = _s3_settings["S3_ENDPOINT_URL"]
    if _endpoint and not _endpoint.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"Environment variable S3_ENDPOINT_URL={_endpoint!r} is not a URL; "
            "give e.g. https://s3.eu-central-1.example.com."
        )
    if bool(_s3_settings["S3_ACCESS_KEY_ID"]) != bool(_s3_settings["S3_SECRET_ACCESS_KEY"]):
        raise ImproperlyConfigured(
            "Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (boto3 then finds "
            "credentials itself, e.g. from the machine's role)."
        )
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": _endpoint,
            "region_name": _s3_settings["S3_REGION"],
            "access_key": _s3_settings["S3_ACCESS_KEY_ID"],
            "secret_key": _s3_settings["S3_SECRET_ACCESS_KEY"],
            # Files leave only through the checked views of casefiles/downloads.py: objects
            # are private, and a URL made from one carries no signature that would let its
            # holder fetch it past those checks.
            "default_acl": "private",
            "querystring_auth": False,
            # Like the file system: a new upload never replaces a stored file of that name.
            "file_overwrite": False,
        },
    }
elif _s3_set := [name for name, value in _s3_settings.items() if value]:
    raise ImproperlyConfigured(
        f"{', '.join(_s3_set)} set but S3_BUCKET is not; set S3_BUCKET to store files on "
        "object storage, or unset them to keep files in MEDIA_ROOT."
    )
# Uploads (people/uploads.py): a source or reply file may be at most this many megabytes.
UPLOAD_MAX_MB = env_int("UPLOAD_MAX_MB", 20)
# A form without files (a letter body is at most 50,000 characters) fits in 2.5 MB; larger
# uploads are spooled to a temporary file rather than held in memory. The web server in front
# should cap whole requests a little above UPLOAD_MAX_MB (nginx: client_max_body_size).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Case data is sensitive: cookies only over HTTPS outside development.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
# A cache shared by every web process (Redis, CACHE_URL): sessions are then read from it
# rather than from the database on each request, and written through to both (cached_db),
# so a flushed cache signs nobody out. Without a shared cache they stay in the database
# alone: a cache of each process's own would keep a session alive in the other processes
# after its owner signed out.
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "casefiles",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Security headers. Outside development every page is HTTPS-only and remembered as such.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
# Preloading is the registrable domain owner's decision (the list takes whole domains, with
# every subdomain, and leaving it takes months), so it is opt-in; the check that asks for it
# is silenced below for that reason.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
_proxy_ssl_header = env_str("SECURE_PROXY_SSL_HEADER")
if _proxy_ssl_header:
    # Only behind a proxy that sets this header itself; otherwise a client could claim HTTPS.
    _meta_key = _proxy_ssl_header.strip().upper().replace("-", "_")
    if not _meta_key.replace("_", "").isalnum():
        raise ImproperlyConfigured(
            f"Environment variable SECURE_PROXY_SSL_HEADER={_proxy_ssl_header!r} is not a "
            "header name; use e.g. X-Forwarded-Proto."
        )
    _meta_key = _meta_key if _meta_key.startswith("HTTP_") else f"HTTP_{_meta_key}"
    SECURE_PROXY_SSL_HEADER = (_meta_key, "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS += ["security.W021"]  # HSTS preload: opt-in, see above

# No inline script or style anywhere: every page's code and styles are files under static/.
# Only the letter preview may be framed, by the letter page (letters.views.letter_preview).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# Powerful browser features no page here uses, denied to the pages and anything they embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# REST API (/api/, casefiles/api/): personal tokens, or the verified session for the docs;
# the roles' model permissions; bounded pages; throttled per user (per address when anonymous).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "casefiles.api.authentication.ApiTokenAuthentication",
        "casefiles.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["casefiles.api.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "casefiles.api.pagination.Pages",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute", "user": "3000/hour"},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Casefiles API",
    "DESCRIPTION": "Persons, cases, their facts and letters, as the staff pages show them "
    "to the same user: the same roles, the same visibility rule, the same validation.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SERVE_AUTHENTICATION": [
        "casefiles.api.authentication.ApiTokenAuthentication",
        "casefiles.api.authentication.VerifiedSessionAuthentication",
    ],
    # Request bodies and responses as separate components (writes take other fields).
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files: the CSP allows no other origin.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Its deploy check warns about enum names only (several models' "kind" choices); the
    # schema itself is checked by tests/api/test_schemathesis.py.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}

# History is a record of what happened: the back office shows it, never "reverts" it
# (people/admin_visibility.py also refuses any POST to a history page).
SIMPLE_HISTORY_REVERT_DISABLED = True

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "casefiles@localhost")

# Celery: with no broker configured, tasks run in-process when they are queued.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# A broker that is down must not hang a click: give up publishing after about 5 s (two tries
# of at most 2 s to connect), and the caller records that the message is still to be sent.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0.5,
    "interval_step": 0.5,
    "interval_max": 1,
}
# Daily deadline reminders (detention terms ending within 7 days, tomorrow's hearings).
CELERY_BEAT_SCHEDULE = {
    "reminders-daily": {
        "task": "casefiles.tasks.reminders_send_due",
        "schedule": crontab(hour=env_int("REMINDERS_HOUR", 6), minute=0),
    },
    # Signatories who have not answered their invitation to sign (letters.invitations).
    "letters-signature-reminders": {
        "task": "letters.tasks.signature_reminders_send",
        "schedule": crontab(hour=env_int("REMINDERS_HOUR", 6), minute=30),
    },
    # Renders whose message was lost (broker down or restarted) or whose worker died.
    "letters-requeue-stuck": {
        "task": "letters.tasks.letter_versions_requeue_stuck",
        "schedule": 120.0,
    },
}

# PDFs (casefiles.pdf): the font family embedded in every PDF, as four TTF files
# "<Family without spaces>[-Bold|-Italic|-BoldItalic].ttf" in PDF_FONT_DIR.
PDF_FONT_FAMILY = env_str("PDF_FONT_FAMILY", "DejaVu Serif")
PDF_FONT_DIR = env_path("PDF_FONT_DIR", BASE_DIR / "static" / "letters" / "fonts")
# Letters: final PDFs carry the organisation's PAdES signature when a PKCS#12 file is set.
LETTERS_SIGNING_PKCS12 = env_str("LETTERS_SIGNING_PKCS12")
LETTERS_SIGNING_PKCS12_PASSWORD = env_str("LETTERS_SIGNING_PKCS12_PASSWORD")
# verify_letter trusts a signature only when its certificate chains to one of these PEM/DER
# files (comma-separated): nothing is trusted by default, not even our own certificate.
LETTERS_TRUST_ROOTS = env_list("LETTERS_TRUST_ROOTS", [])
# Seconds a letter may take to render before it is stopped (a hostile body cannot hang a worker).
LETTERS_RENDER_TIME_LIMIT = env_int("LETTERS_RENDER_TIME_LIMIT", 120)
# Rendering runs in a child process with these limits (casefiles.sandbox): wall-clock seconds
# for a letter body's Markdown (the preview waits for it) and for a case brief's PDF, and for
# every render, processor seconds and memory (address space) in MB.
LETTERS_MARKDOWN_TIME_LIMIT = env_int("LETTERS_MARKDOWN_TIME_LIMIT", 10)
BRIEF_PDF_TIME_LIMIT = env_int("BRIEF_PDF_TIME_LIMIT", 30)
RENDER_CPU_SECONDS = env_int("RENDER_CPU_SECONDS", 120)
RENDER_MEMORY_MB = env_int("RENDER_MEMORY_MB", 1024)
# The render queue's fault handling, derived from that limit (docs/letters.md): the worker
# process is killed at the hard limit; a version still "rendering" well after it lost its
# worker and is queued again, up to LETTERS_RENDER_MAX_ATTEMPTS renders, then failed.
# The task's own limits lie past the render's (enforced on its child process), so a slow
# render fails the version with that limit's message rather than the task's.
LETTERS_RENDER_SOFT_TIME_LIMIT = LETTERS_RENDER_TIME_LIMIT + 30
LETTERS_RENDER_HARD_TIME_LIMIT = LETTERS_RENDER_TIME_LIMIT + 60
LETTERS_RENDER_STUCK_AFTER = LETTERS_RENDER_HARD_TIME_LIMIT + 60
LETTERS_QUEUED_STUCK_AFTER = 300  # seconds queued before the message is presumed lost
LETTERS_RENDER_MAX_ATTEMPTS = env_int("LETTERS_RENDER_MAX_ATTEMPTS", 5)
if LETTERS_RENDER_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured(
        "Environment variable LETTERS_RENDER_MAX_ATTEMPTS must be 1 or more."
    )
# Invitations to sign (letters.invitations): days a personal link stays valid, reminders at
# most, the address the links in emails start with, and requests per minute from one IP
# address to the public signer pages.
LETTERS_INVITATION_DAYS = env_int("LETTERS_INVITATION_DAYS", 14)
LETTERS_MAX_REMINDERS = env_int("LETTERS_MAX_REMINDERS", 3)
LETTERS_SIGNER_BASE_URL = env_str("LETTERS_SIGNER_BASE_URL", "http://localhost:8000")
LETTERS_SIGNER_RATE_PER_MINUTE = env_int("LETTERS_SIGNER_RATE_PER_MINUTE", 30)
# Sending a final letter (letters.sending), the public check (/verify/), the seal's timestamp.
LETTERS_DELIVERY_ATTEMPTS = env_int("LETTERS_DELIVERY_ATTEMPTS", 3)
LETTERS_VERIFY_RATE_PER_MINUTE = env_int("LETTERS_VERIFY_RATE_PER_MINUTE", 20)
LETTERS_VERIFY_MAX_BYTES = env_int("LETTERS_VERIFY_MAX_BYTES", 10 * 1024 * 1024)
LETTERS_TSA_URL = env_str("LETTERS_TSA_URL")
# Redis hands an unacknowledged message to another worker after visibility_timeout: it must
# outlast the longest render (and retry countdowns, at most 300 s), or a slow render would
# be started twice. socket_connect_timeout bounds a connection to a broker that is gone.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": LETTERS_RENDER_HARD_TIME_LIMIT + 300,
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every login at INFO; failures and lockouts are its WARNINGs.
    "loggers": {"axes": {"level": "WARNING"}},
}
