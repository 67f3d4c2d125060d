"""Settings for the IMVO mission portal, read from the environment.

With no environment at all the portal runs embedded: SQLite, Celery in eager mode,
console e-mail, local media and DEBUG on. Every production concern is switched on by
``DJANGO_DEBUG=0``, which then insists on a secret key and allowed hosts.
"""

import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.utils.translation import gettext_lazy as _

from core.conf import Config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None
# Every environment variable is read through ``conf``, and each read is its declaration (type,
# default, meaning): ``manage.py settings_doc`` writes docs/configuration.md from them.
conf = Config(env)

conf.group("Core and security")
DEBUG = conf.bool(
    "DJANGO_DEBUG",
    default=True,
    help="`0` for production: then the secret key, allowed hosts and evidence keys are required, and "
    "secure cookies, HSTS, the SSL redirect and manifest static files apply.",
)
# Development-only key: never valid once DEBUG is off (refused below).
SECRET_KEY = conf.str(
    "DJANGO_SECRET_KEY",
    default="dev-only-insecure-key-change-me" if DEBUG else "",
    default_doc="a development key while `DJANGO_DEBUG=1`",
    help="Django's secret key (sessions, signed links and cookies).",
    production_required=True,
    secret=True,
)
ALLOWED_HOSTS = conf.list(
    "DJANGO_ALLOWED_HOSTS",
    default=["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [],
    default_doc="local hosts while `DJANGO_DEBUG=1`",
    help="Host names the portal answers to.",
    production_required=True,
)
if not DEBUG:
    conf.refuse_missing(
        ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"],
        "DJANGO_DEBUG is off, so these settings are required: {names}",
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "csp",
    "django_countries",
    "accounts",
    "audit",
    "notifications",
    "organisations",
    "eherkenning",
    "missions",
    "declarations",
    "instruments",
    "brochures",
    "staff",
    "dashboard",
    "privacy",
    "webhooks",
    "opendata",
    "core",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PrivateResponseMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "organisations.authority.SessionAuthorityMiddleware",
    "accounts.session_limits.SessionLifetimeMiddleware",
    "accounts.middleware.MFARequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "imvo_portal.urls"
WSGI_APPLICATION = "imvo_portal.wsgi.application"

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
                "organisations.context_processors.portal",
            ],
        },
    },
    {
        # Plain text (e-mail subjects and text parts): the same templates, without HTML autoescaping,
        # so "Risico's" and "<i>" arrive as typed. HTML parts render through the engine above.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

# --- Database -------------------------------------------------------------------------
conf.group("Database")
DATABASES = {
    "default": conf.db_url(
        "DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        default_doc="`sqlite:///db.sqlite3` beside `manage.py`",
        help="The database, e.g. `postgres://imvo_app:…@db:5432/imvo`. On PostgreSQL this is the portal's own "
        'role, which may only add and read evidence (docs/evidence.md, "Database roles and keys").',
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# The owner role, which runs `migrate` and `db_roles`; DATABASE_URL is then the portal's own role,
# with INSERT and SELECT only on the evidence tables (docs/evidence.md: "Database roles and keys").
DATABASE_OWNER_URL = conf.str(
    "DATABASE_OWNER_URL",
    default="",
    help="The owner role (same database, other credentials), used by `migrate` and `db_roles`; empty: `DATABASE_URL`.",
    secret=True,
)
_conn_max_age = conf.int(
    "DATABASE_CONN_MAX_AGE",
    default=60,
    help="On PostgreSQL: seconds a database connection is kept for the next request (unless the URL sets "
    "`conn_max_age`).",
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", _conn_max_age)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Connect, statement and TCP timeouts: the "Outages, logs, metrics and error reports" block below.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
conf.group("Redis, cache and Celery")
REDIS_URL = conf.str(
    "REDIS_URL",
    default="",
    help="Redis for the cache, the rate limits and (unless `CELERY_BROKER_URL` is set) the Celery broker, "
    "e.g. `redis://redis:6379/0`; empty: a per-process cache and Celery in eager mode.",
)
if REDIS_URL:
    # Fails soft: while Redis is unreachable reads miss and writes are skipped (core/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts and authentication ------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.ContextWordsValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "my:overview"  # company users with an organisation (accounts.views.start_url)
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
ACCOUNT_CONFIRMATION_MAX_AGE = 60 * 60 * 24 * 3

# Brute-force protection: lock the (account, IP) pair, so nobody can lock a user out from elsewhere.
conf.group("Login, second factor and sessions")
AXES_FAILURE_LIMIT = conf.int(
    "AXES_FAILURE_LIMIT",
    default=5,
    help="Failed logins of one account from one IP address before it is locked there (15 minutes, doubling "
    "per lockout).",
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
# The lockout keys on the same normalised identity as login (stripped, lower-cased e-mail).
AXES_USERNAME_CALLABLE = "accounts.identity.axes_username"
AXES_COOLOFF_TIME = "accounts.security.escalating_cool_off"
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.net.client_ip_for_axes"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False

# Across IP addresses: after this many failures in an hour an account's logins are slowed down
# (1, 2, 4 … seconds between attempts, at most LOGIN_THROTTLE_MAX_DELAY), except from a browser that
# logged in to it before (a signed "known device" cookie). See accounts/security.py.
LOGIN_THROTTLE_FREE_ATTEMPTS = conf.int(
    "LOGIN_THROTTLE_FREE_ATTEMPTS",
    default=10,
    help="Failed logins of one account per hour, from any address, before its attempts are slowed down.",
)
LOGIN_THROTTLE_MAX_DELAY = conf.int(
    "LOGIN_THROTTLE_MAX_DELAY",
    default=60,
    help="The longest pause, in seconds, between slowed-down login attempts of one account.",
)
LOGIN_DEVICE_COOKIE_NAME = "imvo_known_device"
LOGIN_DEVICE_COOKIE_AGE = 60 * 60 * 24 * 180

# Second factor (django-otp): mandatory for RVO staff, the ministry and superusers (accounts/mfa.py).
OTP_TOTP_ISSUER = conf.str(
    "OTP_TOTP_ISSUER", default="IMVO-missieportaal", help="The name authenticator apps show for the portal."
)
# Wrong codes slow down the session that sends them (accounts/mfa.py), not the device: someone
# with only the password cannot lock the real user out. django-otp's per-device throttle is off.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
MFA_THROTTLE_FACTOR = 1  # seconds, doubling with each wrong code of the session
MFA_THROTTLE_MAX_DELAY = conf.int(
    "MFA_THROTTLE_MAX_DELAY",
    default=60,
    help="The longest pause, in seconds, that a session's wrong second-factor codes ask for.",
)
# Wrong codes for one account in an hour (all sessions) after which its owner is told by e-mail.
MFA_NOTIFY_AFTER_FAILURES = conf.int(
    "MFA_NOTIFY_AFTER_FAILURES",
    default=5,
    help="Wrong second-factor codes for one account in an hour (all sessions) after which its owner is told by e-mail.",
)
MFA_RECOVERY_CODES = 10
# Seconds a proof of password and second factor counts for sensitive actions (accounts/reauth.py).
REAUTH_MAX_AGE = conf.int(
    "REAUTH_MAX_AGE",
    default=300,
    help="Seconds a proof of password and a fresh second-factor code counts for sensitive actions (step-up).",
)

# Rate limits: "count/period" with period s, m, h or d; per IP address or per user (accounts/ratelimit.py).
RATE_LIMITS = {
    "login": "30/m",
    "signup": "10/h",
    "password_reset": "10/h",
    "password_reset_email": "3/h",
    "invitation": "30/h",
    "mfa": "20/m",
    "declaration_sign": "20/h",
    "verify": "60/m",
    "oidc": "30/m",
    "account_delete": "10/h",
    "password_change": "10/h",
    "reauth": "10/h",
}
RATE_LIMITS_ENABLED = conf.bool(
    "RATE_LIMITS_ENABLED",
    default=True,
    help="`0` switches the rate limits off (the rates themselves are `RATE_LIMITS` in the settings).",
)

# Client IP: REMOTE_ADDR, unless the request came through one of these proxies.
conf.group("Core and security")
TRUSTED_PROXIES = conf.list(
    "TRUSTED_PROXIES",
    default=[],
    help="Addresses of proxies whose `X-Forwarded-For` is believed for the client IP address.",
)

# --- Sessions -------------------------------------------------------------------------
# Counted from login and never extended; the idle timeout is exact to the second (core/middleware.py).
conf.group("Login, second factor and sessions")
SESSION_ABSOLUTE_LIFETIME = conf.int(
    "SESSION_ABSOLUTE_LIFETIME",
    default=60 * 60 * 10,
    help="Seconds after login that a session ends, however busy (never extended).",
)
SESSION_IDLE_TIMEOUT = conf.int(
    "SESSION_IDLE_TIMEOUT", default=60 * 30, help="Seconds after the last request that a session ends."
)
# Seconds between two writes of a session's last activity (core/middleware.py): the idle
# timeout may end a session up to this much early, never late; 1 = exact to the second.
SESSION_ACTIVITY_RESOLUTION = conf.int(
    "SESSION_ACTIVITY_RESOLUTION",
    default=60,
    help="Seconds between two writes of a session's last activity; the idle timeout may end a session up to "
    "this much early, never late (`1`: exact to the second).",
)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
# Short dates per language: "10 mei 2027" (lower-case Dutch month abbreviations), "10 May 2027".
FORMAT_MODULE_PATH = ["core.formats"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

# --- Static files and media -----------------------------------------------------------
STATIC_URL = "/static/"
conf.group("Files and storage")
STATIC_ROOT = conf.path(
    "STATIC_ROOT",
    default=BASE_DIR / "staticfiles",
    default_doc="`staticfiles/` beside `manage.py`",
    help="Where `collectstatic` puts the static files (served by whitenoise).",
)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = conf.path(
    "MEDIA_ROOT",
    default=BASE_DIR / "media",
    default_doc="`media/` beside `manage.py`",
    help="Private files (PDF renditions, receipts, checkpoint copies), served only through permission-checked "
    "views; unused when `AWS_STORAGE_BUCKET_NAME` is set.",
)
# Private files (PDF renditions, receipts) are never served from MEDIA_URL directly: every
# download goes through a permission-checked view.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
_s3_bucket = conf.str(
    "AWS_STORAGE_BUCKET_NAME",
    default="",
    help="Private S3-compatible object storage for the media instead of `MEDIA_ROOT` (django-storages).",
)
_s3_endpoint = conf.str(
    "AWS_S3_ENDPOINT_URL", default=None, default_doc="AWS", help="Endpoint of an S3-compatible service other than AWS."
)
# boto3 reads the credentials itself (with AWS_SESSION_TOKEN, or an instance role when they are unset).
conf.external("AWS_ACCESS_KEY_ID", reader="boto3", help="Access key of the bucket.")
conf.external("AWS_SECRET_ACCESS_KEY", reader="boto3", help="Secret key of the bucket.", secret=True)
_s3_lock_mode = conf.str(
    "AWS_S3_OBJECT_LOCK_MODE",
    default="",
    help="With S3: write the checkpoint copies with object lock, `GOVERNANCE` or `COMPLIANCE` (the bucket "
    "must have object lock enabled); empty: no lock.",
)
_s3_lock_days = conf.int(
    "AWS_S3_OBJECT_LOCK_DAYS", default=3650, help="With object lock: days each checkpoint copy is locked."
)
if _s3_bucket:
    # S3-compatible object storage; files stay private (signed, expiring URLs are never handed out:
    # downloads go through the permission-checked views, which read the object themselves).
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _s3_bucket,
            "endpoint_url": _s3_endpoint,
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
# Write-once copies of the signed declaration checkpoints: read-only files locally; on S3 with object
# lock when AWS_S3_OBJECT_LOCK_MODE is set (GOVERNANCE or COMPLIANCE; the bucket needs object lock).
STORAGES["evidence"] = {"BACKEND": STORAGES["default"]["BACKEND"], "OPTIONS": {"file_permissions_mode": 0o444}}
if _s3_bucket:
    STORAGES["evidence"] = {
        "BACKEND": "declarations.storage.EvidenceS3Storage",
        "OPTIONS": {
            **STORAGES["default"]["OPTIONS"],
            "object_lock_mode": _s3_lock_mode,
            "object_lock_days": _s3_lock_days,
        },
    }
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------------------
conf.group("E-mail and links")
EMAIL_CONFIG = conf.email_url(
    "EMAIL_URL",
    default="consolemail://",
    default_doc="`consolemail://`",
    help="Where e-mail goes, e.g. `smtp+tls://user:pass@smtp.example:587`; the default prints it to the console.",
)
EMAIL_BACKEND = EMAIL_CONFIG["EMAIL_BACKEND"]
EMAIL_HOST = EMAIL_CONFIG.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = EMAIL_CONFIG.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = EMAIL_CONFIG.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = EMAIL_CONFIG.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = EMAIL_CONFIG.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = EMAIL_CONFIG.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = conf.int(
    "EMAIL_TIMEOUT",
    default=20,
    help="Seconds before an SMTP conversation counts as failed (the outbox then retries with back-off).",
)
DEFAULT_FROM_EMAIL = conf.str(
    "DEFAULT_FROM_EMAIL",
    default="IMVO-missieportaal <noreply@imvo-portal.example>",
    help="Sender of the portal's e-mails (and of error mails to the operators).",
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PORTAL_BASE_URL = conf.str(
    "PORTAL_BASE_URL",
    default="http://127.0.0.1:8000",
    help="The portal's address: every link in an e-mail starts with it, never with the request's host.",
)
# Passkeys (django-otp-webauthn, accounts/passkeys.py): a second factor only, never a login alone.
# The relying party is the portal's host name (an IP address cannot hold passkeys: use localhost in
# development); PASSKEY_ORIGINS lists the exact origins that may use them.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
conf.group("Login, second factor and sessions")
OTP_WEBAUTHN_RP_NAME = conf.str(
    "PASSKEY_RP_NAME", default="IMVO-missieportaal", help="The name browsers show when a passkey is made."
)
_portal = urlsplit(PORTAL_BASE_URL)
OTP_WEBAUTHN_RP_ID = conf.str(
    "PASSKEY_RP_ID",
    default="localhost" if _portal.hostname in ("127.0.0.1", "::1", None) else _portal.hostname,
    default_doc="host of `PORTAL_BASE_URL` (`localhost` for an IP address)",
    help="The WebAuthn relying party: passkeys are bound to it and its subdomains; changing it voids every passkey.",
)
_portal_origin = f"{_portal.scheme}://{_portal.netloc}"
OTP_WEBAUTHN_ALLOWED_ORIGINS = conf.list(
    "PASSKEY_ORIGINS",
    default=[_portal_origin] if _portal.scheme == "https" else [_portal_origin.replace("127.0.0.1", "localhost")],
    default_doc="origin of `PORTAL_BASE_URL` (`localhost` for `127.0.0.1`)",
    help="Exact origins (https, or `http://localhost`) allowed to use passkeys.",
)
conf.group("E-mail and links")
SUPPORT_EMAIL = conf.str(
    "SUPPORT_EMAIL",
    default="imvo-steunpunt@rvo.example",
    help="The help desk's address, shown on pages and in e-mails where a user may need help.",
)

# --- Celery ---------------------------------------------------------------------------
conf.group("Redis, cache and Celery")
CELERY_BROKER_URL = (
    conf.str(
        "CELERY_BROKER_URL",
        default="",
        default_doc="`REDIS_URL`, else in-memory",
        help="The Celery broker; without one (and without `REDIS_URL`) tasks run eagerly in the web process.",
    )
    or REDIS_URL
    or "memory://"
)
CELERY_TASK_ALWAYS_EAGER = conf.bool(
    "CELERY_TASK_ALWAYS_EAGER",
    default=CELERY_BROKER_URL == "memory://",
    default_doc="`1` without a broker, else `0`",
    help="Run tasks in the process that queues them instead of a worker.",
)
# Refresh the dashboard's rollups when a ministry user opens it and they are older than the refresh
# interval (incremental, cheap). On by default when there is no broker, hence no beat to do it.
conf.group("Dashboard and published figures")
DASHBOARD_REFRESH_ON_READ = conf.bool(
    "DASHBOARD_REFRESH_ON_READ",
    default=CELERY_TASK_ALWAYS_EAGER,
    default_doc="`CELERY_TASK_ALWAYS_EAGER`",
    help="Refresh the dashboard's figures when the page is opened and they are older than five minutes (the "
    "embedded default has no beat to do it).",
)
conf.group("Redis, cache and Celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = (
    conf.str("CELERY_RESULT_BACKEND", default="", help="Where Celery keeps task results; empty: nowhere.") or None
)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool process that grew past this many KiB (default 400 MB) is replaced after its current task:
# one huge render cannot leave a bloated process behind. Input limits (core/markdown.py,
# brochures/content.py) keep any single render well below it.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = conf.int(
    "CELERY_WORKER_MAX_MEMORY_PER_CHILD",
    default=400_000,
    help="KiB a worker pool process may grow to before it is replaced after its current task.",
)
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
# Unacknowledged tasks come back after visibility_timeout: keep it well above the hard time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 900,
    "socket_timeout": 5,
    "socket_connect_timeout": 2,
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = 10
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.6}
CELERY_TASK_DEFAULT_QUEUE = conf.str(
    "CELERY_QUEUE",
    default="imvo",
    help="The queue tasks go to and workers read; give two portals that share a Redis each their own.",
)
# A task redelivered more often than this (e.g. it keeps killing its worker) is given up.
TASK_MAX_DELIVERIES = 5
CELERY_BEAT_SCHEDULE = {
    "flush-outbox": {"task": "notifications.tasks.outbox_flush", "schedule": 60.0},
    "flush-brochure-reads": {"task": "brochures.tasks.read_counts_flush", "schedule": 60.0},
    "queue-missing-renditions": {"task": "brochures.tasks.renditions_queue_missing", "schedule": 120.0},
    "session-reminders": {"task": "staff.tasks.send_session_reminders", "schedule": 60.0 * 30},
    "signature-reminders": {"task": "missions.tasks.send_signature_reminders", "schedule": 60.0 * 60},
    "instrument-signature-reminders": {"task": "instruments.tasks.send_signature_reminders", "schedule": 60.0 * 60},
    "queue-pending-receipts": {"task": "declarations.tasks.receipts_queue_missing", "schedule": 120.0},
    "dashboard-rollups": {"task": "dashboard.tasks.rollups_refresh", "schedule": 60.0 * 5},
    "dashboard-release": {"task": "dashboard.tasks.release_publish_if_due", "schedule": 60.0 * 60},
    "declaration-checkpoint": {"task": "declarations.tasks.checkpoint_hourly", "schedule": 60.0 * 60},
    "declaration-right-text": {"task": "declarations.tasks.right_text_invite", "schedule": 60.0 * 60 * 24},
    "retention-erase": {"task": "privacy.tasks.retention_erase", "schedule": 60.0 * 60 * 6},
}

# --- Forms ----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security -------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# --- eHerkenning (OpenID Connect through a broker; docs/eherkenning.md) -----------------------------
# Off while OIDC_ISSUER or OIDC_CLIENT_ID is empty: the embedded default has password accounts only.
conf.group("eHerkenning (OpenID Connect)")
OIDC_ISSUER = conf.str(
    "OIDC_ISSUER",
    default="",
    default_doc="empty: eHerkenning off",
    help="Issuer URL of the eHerkenning OpenID Connect broker; its `/.well-known/openid-configuration` is read "
    "at the first login.",
).rstrip("/")
OIDC_CLIENT_ID = conf.str(
    "OIDC_CLIENT_ID",
    default="",
    help="Client id at the broker; eHerkenning is on when this and `OIDC_ISSUER` are set.",
)
OIDC_CLIENT_SECRET = conf.str(
    "OIDC_CLIENT_SECRET",
    default="",
    help="Client secret (for `client_secret_basic` and `client_secret_post`).",
    secret=True,
)
OIDC_CLIENT_AUTH_METHOD = conf.str(
    "OIDC_CLIENT_AUTH_METHOD",
    default="client_secret_basic",
    help="`client_secret_basic`, `client_secret_post` or `private_key_jwt` (then `OIDC_CLIENT_PRIVATE_KEY`).",
)
OIDC_CLIENT_PRIVATE_KEY = conf.text(
    "OIDC_CLIENT_PRIVATE_KEY",
    default="",
    help="For `private_key_jwt`: the client's RSA private key in PEM.",
    secret=True,
)
OIDC_CLIENT_PRIVATE_KEY_ID = conf.str(
    "OIDC_CLIENT_PRIVATE_KEY_ID", default="", help="For `private_key_jwt`: the key's `kid`, if the broker wants one."
)
OIDC_SCOPES = conf.str("OIDC_SCOPES", default="openid eherkenning", help="Scopes asked for (space-separated).")
# Signature algorithms accepted on the ID token (never "none" or a shared-secret HMAC).
OIDC_SIGNING_ALGORITHMS = conf.list(
    "OIDC_SIGNING_ALGORITHMS",
    default=["RS256", "ES256"],
    help="Accepted ID token signature algorithms (asymmetric only; never `none` or HMAC).",
)
# Clock skew allowed on exp/iat/nbf, in seconds; capped at 300 (claims.py).
OIDC_LEEWAY = conf.int(
    "OIDC_LEEWAY",
    default=60,
    help="Clock skew in seconds allowed on `exp`, `iat` and `nbf` of the ID token (at most 300).",
)
OIDC_TIMEOUT = conf.float(
    "OIDC_TIMEOUT", default=5, help="Seconds to wait for the broker (discovery, keys, token endpoint)."
)
# The provider's key set is kept at most this many seconds per process (a revoked key stops working
# within it); an unknown ``kid`` or a failed signature fetches it again, at most once per
# OIDC_JWKS_MIN_REFRESH seconds (a stream of forged tokens cannot make the portal hammer the broker).
OIDC_JWKS_MAX_AGE = conf.int(
    "OIDC_JWKS_MAX_AGE",
    default=600,
    help="Seconds the broker's key set is kept per process: a key the broker revokes is refused at the latest "
    "this long after.",
)
OIDC_JWKS_MIN_REFRESH = conf.int(
    "OIDC_JWKS_MIN_REFRESH",
    default=60,
    help="An unknown `kid` or a failed signature fetches the key set again, at most once per this many seconds.",
)
# Audiences besides OIDC_CLIENT_ID that an ID token may also name (OIDC Core 3.1.3.7: a token whose
# ``aud`` lists an untrusted audience is refused). Empty: the audience must be our client id alone.
OIDC_TRUSTED_AUDIENCES = conf.list(
    "OIDC_TRUSTED_AUDIENCES",
    default=[],
    help="Other audiences an ID token may name beside `OIDC_CLIENT_ID` (then `azp` must name us); any other "
    "audience is refused.",
)
# Claim names, with defaults for an eHerkenning broker.
OIDC_CLAIM_SUBJECT = conf.str(
    "OIDC_CLAIM_SUBJECT",
    default="sub",
    help="Claim with the acting person's pseudonym: the only key a person is matched on.",
)
OIDC_CLAIM_KVK = conf.str(
    "OIDC_CLAIM_KVK",
    default="urn:etoegang:core:LegalSubjectID",
    help="Claim with the KvK number (8 digits) of the organisation the person acts for.",
)
OIDC_CLAIM_BRANCH = conf.str(
    "OIDC_CLAIM_BRANCH",
    default="urn:etoegang:1.9:ServiceRestriction:Vestigingsnr",
    help="Claim with the branch number (optional).",
)
OIDC_CLAIM_NAME = conf.str("OIDC_CLAIM_NAME", default="name", help="Claim with the person's name (optional).")
OIDC_CLAIM_EMAIL = conf.str(
    "OIDC_CLAIM_EMAIL",
    default="email",
    help="Claim with the person's e-mail address (optional; used only when no other account has it).",
)
OIDC_CLAIM_ASSURANCE = conf.str(
    "OIDC_CLAIM_ASSURANCE",
    default="loa",
    help="Claim with the assurance level URN (`acr` for brokers that send it there).",
)
OIDC_CLAIM_AUTHORISATION = conf.str(
    "OIDC_CLAIM_AUTHORISATION",
    default="urn:etoegang:core:ServiceName",
    help="Claim (string or list) with the services the person is authorised (machtiging) for.",
)
OIDC_SIGNING_SERVICE = conf.str(
    "OIDC_SIGNING_SERVICE",
    default="IMVO-verklaring afgeven",
    help="The service in that claim that makes the person an authorised signatory for the session.",
)
OIDC_MIN_ASSURANCE = conf.str(
    "OIDC_MIN_ASSURANCE",
    default="urn:etoegang:core:assurance-class:loa3",
    help="Lowest accepted assurance level: eHerkenning `loa2`, `loa2plus`, `loa3`, `loa4` or eIDAS "
    "`http://eidas.europa.eu/LoA/low`, `substantial`, `high`; never below `loa2`.",
)
if OIDC_ISSUER:
    # The logout form ends at the provider (RP-initiated logout): allow that redirect after a POST.
    from urllib.parse import urlsplit as _urlsplit

    _issuer = _urlsplit(OIDC_ISSUER)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_issuer.scheme}://{_issuer.netloc}")

conf.group("Core and security")
_ssl_redirect = conf.bool(
    "DJANGO_SECURE_SSL_REDIRECT",
    default=True,
    help="With `DJANGO_DEBUG=0`: redirect HTTP to HTTPS; `0` when the proxy in front does it.",
)
_behind_tls_proxy = conf.bool(
    "DJANGO_BEHIND_TLS_PROXY",
    default=False,
    help="With `DJANGO_DEBUG=0`: trust `X-Forwarded-Proto` from a TLS-terminating proxy.",
)
_hsts_seconds = conf.int(
    "DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365, help="With `DJANGO_DEBUG=0`: HSTS max-age in seconds."
)
_hsts_preload = conf.bool("DJANGO_HSTS_PRELOAD", default=True, help="With `DJANGO_DEBUG=0`: HSTS `preload`.")
if not DEBUG:
    SECURE_SSL_REDIRECT = _ssl_redirect
    if _behind_tls_proxy:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = _hsts_seconds
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _hsts_preload
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    if not SECURE_SSL_REDIRECT:
        # A TLS-terminating proxy redirects for us; Django's deploy check should know.
        SILENCED_SYSTEM_CHECKS = ["security.W008"]
CSRF_TRUSTED_ORIGINS = conf.list(
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    default=[],
    help="Origins (`https://portal.example`) trusted for CSRF besides the portal's own host.",
)

# --- Logging --------------------------------------------------------------------------
conf.group("Logging")
_log_level = conf.str(
    "LOG_LEVEL", default="INFO", help="Level of the root logger (`DEBUG`, `INFO`, `WARNING`, `ERROR`)."
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "core.log_format.JsonFormatter"},
    },
    # No link token (confirmation, reset, invitation) reaches a log line (core/log_format.py).
    "filters": {"redact_tokens": {"()": "core.log_format.TokenRedactingFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]},
        "security": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": _log_level},
    "loggers": {
        # Authentication and session events as JSON lines with request id and client IP.
        "imvo.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        "celery.app.trace": {"level": "WARNING"},
    },
}
# (JSON logs everywhere: the "Outages, logs, metrics and error reports" block below.)

# --- Portal ---------------------------------------------------------------------------
conf.group("Demo")
DEMO_PASSWORD = conf.str(
    "DEMO_PASSWORD",
    default="imvo-demo",
    help="Password of the demo accounts `seed_demo` makes (local use only; refused while `DEBUG` is off).",
)
LARGE_COMPANY_TARGET_PERCENT = 90
DECLARATION_REUSE_DAYS = 365
DASHBOARD_MIN_CELL = 5
# Key of the dashboard's keyed random rounding (dashboard/keys.py): hex or base64 of >= 32 random
# bytes, never derived from SECRET_KEY. Required in production (`check --deploy` fails without it);
# empty while DEBUG is on: a key generated at first use and kept in LOCAL_STATE_DIR.
conf.group("Dashboard and published figures")
DASHBOARD_ROUNDING_KEY = conf.str(
    "DASHBOARD_ROUNDING_KEY",
    default="",
    default_doc="generated at first use into `LOCAL_STATE_DIR` while `DJANGO_DEBUG=1`",
    help="Key of the dashboard's keyed draws: hex or base64 of at least 32 random bytes, never derived from "
    "`SECRET_KEY`; `check --deploy` fails without it. After a change run `dashboard_refresh --full`.",
    production_required=True,
    secret=True,
)
# Secrets the embedded default generates for itself (core/local_state.py), in files only their
# owner may read (0600); never in the database or the repository.
LOCAL_STATE_DIR = conf.path(
    "LOCAL_STATE_DIR",
    default=BASE_DIR / "local-state",
    default_doc="`local-state/` beside `manage.py`",
    help="Where the embedded default keeps the secrets it generates for itself (files of mode 0600).",
)
# Releases of the ministry's figures (dashboard/release_method.py): cadence (weekly, monthly,
# quarterly), privacy budget per year (rho, zCDP) and contribution bound per organisation.
DASHBOARD_RELEASE_CADENCE = conf.str(
    "DASHBOARD_RELEASE_CADENCE",
    default="monthly",
    help="How often a release of the ministry's figures is published: `weekly`, `monthly` or `quarterly` "
    "(docs/privacy.md).",
)
DASHBOARD_RELEASE_RHO_PER_YEAR = conf.float(
    "DASHBOARD_RELEASE_RHO_PER_YEAR",
    default=2.0,
    help="Privacy budget (rho, zCDP) of a year of releases; smaller: more noise, more privacy.",
)
DASHBOARD_RELEASE_MAX_REGISTRATIONS = conf.int(
    "DASHBOARD_RELEASE_MAX_REGISTRATIONS",
    default=3,
    help="Registrations (and instrument applications) per organisation that count in a release (contribution bound).",
)
# --- Retention of personal data (docs/privacy.md: "Retention"), in days per kind of data.
# Beat's ``privacy.tasks.retention_erase`` erases what is older; the privacy page states these.
conf.group("Retention of personal data")
RETENTION_DAYS = {
    "participants": conf.int(
        "RETENTION_DAYS_PARTICIPANTS",
        default=365,
        help="Days after the end of a mission before its participants' names, e-mail addresses and positions "
        "are erased.",
    ),
    # Erased together, as an appended erasure event: the declaration itself is kept and verifiable.
    "declaration_personal_data": conf.int(
        "RETENTION_DAYS_DECLARATION_PERSONAL_DATA",
        default=7 * 365,
        help="Days after signing before a declaration's signatory name and position, typed explanation, IP "
        "address and user agent are erased (an appended erasure event; the declaration stays verifiable).",
    ),
    "invitations": conf.int(
        "RETENTION_DAYS_INVITATIONS",
        default=90,
        help="Days before the e-mail address of an accepted, revoked or expired invitation is erased.",
    ),
    "outbox": conf.int(
        "RETENTION_DAYS_OUTBOX",
        default=30,
        help="Days after queueing before the recipients and text of sent or given-up e-mail are erased.",
    ),
    "login_records": conf.int(
        "RETENTION_DAYS_LOGIN_RECORDS",
        default=180,
        help="Days before the lockout's login records (django-axes: address, IP address, user agent) are deleted.",
    ),
    # The event itself is kept; only its personal part is emptied.
    "audit_personal": conf.int(
        "RETENTION_DAYS_AUDIT_PERSONAL",
        default=180,
        help="Days before the personal part of an audit event (actor's e-mail address, IP address, user agent, "
        "personal details) is erased; the event itself stays.",
    ),
}
# How long a link to confirm the deletion of one's account works.
ACCOUNT_DELETE_LINK_MAX_AGE = 24 * 60 * 60
RECEIPT_STORAGE_PREFIX = "private/receipts"
# /verify/: the largest receipt PDF that may be uploaded to check it (receipts are ~100 kB).
conf.group("Receipt verification (/verify/)")
VERIFY_RECEIPT_MAX_BYTES = conf.int(
    "VERIFY_RECEIPT_MAX_BYTES", default=2 * 1024 * 1024, help="The largest receipt PDF `/verify/` accepts as an upload."
)
# /verify/ reads an upload that is not an issued receipt in a child process with these limits
# (declarations/receipt_sandbox.py), at most VERIFY_SANDBOX_SLOTS at once per node; over that the
# page answers 503 "busy, try again" with Retry-After at once.
VERIFY_SANDBOX_SLOTS = conf.int(
    "VERIFY_SANDBOX_SLOTS",
    default=1,
    help="Uploads that are not an issued receipt one node reads at once; beyond that `/verify/` answers 503 with "
    "`Retry-After`.",
)
VERIFY_SANDBOX_SLOT_DIR = conf.str(
    "VERIFY_SANDBOX_SLOT_DIR",
    default=str(Path(tempfile.gettempdir()) / "imvo-verify-slots"),
    default_doc="`imvo-verify-slots` in the temporary folder",
    help="Folder of the per-node slot lock files (local disk, not shared between nodes).",
)
VERIFY_SANDBOX_CPU_SECONDS = conf.int(
    "VERIFY_SANDBOX_CPU_SECONDS", default=2, help="CPU seconds of the child process that reads an uploaded PDF."
)
VERIFY_SANDBOX_MEMORY_MB = conf.int(
    "VERIFY_SANDBOX_MEMORY_MB", default=256, help="Memory (MB) of the child process that reads an uploaded PDF."
)
VERIFY_SANDBOX_WALL_SECONDS = conf.float(
    "VERIFY_SANDBOX_WALL_SECONDS", default=4.0, help="Wall-clock seconds of the child process that reads an upload."
)
# --- Declaration evidence (docs/evidence.md) ---
conf.group("Declaration evidence")
# DEV-ONLY keys, public in this repository: used only while DEBUG is on, refused when it is off.
DEV_DECLARATION_CHAIN_KEY = "afc7943e10c3f5bc71f322cb4e7683b535308cb22291a2997e687162fd5fbfca"
DEV_DECLARATION_CHECKPOINT_PRIVATE_KEY = "Jd7+ZHO7ZLfNfiWmKuk7gcadis0Mb0hhp7y4fA8jHwI="
DECLARATION_CHAIN_KEY = conf.str(
    "DECLARATION_CHAIN_KEY",
    default=DEV_DECLARATION_CHAIN_KEY if DEBUG else "",
    default_doc="a development key while `DJANGO_DEBUG=1`",
    help="HMAC-SHA-256 key of the declaration and audit chains: hex or base64, at least 32 bytes; never stored "
    "in the database.",
    production_required=True,
    secret=True,
)
DECLARATION_CHAIN_KEYS = conf.list(
    "DECLARATION_CHAIN_KEYS",
    default=[],
    help="Older chain keys, still needed to verify the records written with them (key rotation).",
    secret=True,
)
DECLARATION_CHECKPOINT_PRIVATE_KEY = conf.text(
    "DECLARATION_CHECKPOINT_PRIVATE_KEY",
    default=DEV_DECLARATION_CHECKPOINT_PRIVATE_KEY if DEBUG else "",
    default_doc="a development key while `DJANGO_DEBUG=1`",
    help="Ed25519 key that signs the checkpoints: base64 of the 32-byte key, or PEM.",
    production_required=True,
    secret=True,
)
if not DEBUG:
    conf.refuse_missing(
        ["DECLARATION_CHAIN_KEY", "DECLARATION_CHECKPOINT_PRIVATE_KEY"],
        "DJANGO_DEBUG is off, so the declaration evidence keys are required: {names}"
        " (see docs/evidence.md, section 'Database roles and keys')",
    )
DECLARATION_CHECKPOINT_PUBLIC_KEYS = conf.list(
    "DECLARATION_CHECKPOINT_PUBLIC_KEYS",
    default=[],
    help="Public keys (base64 or PEM) of earlier checkpoint keys, to verify checkpoints signed before a rotation.",
)
DECLARATION_CHECKPOINT_EVERY = conf.int(
    "DECLARATION_CHECKPOINT_EVERY",
    default=100,
    help="A signed checkpoint at least every this many declaration records (and every hour by beat).",
)
CHECKPOINT_STORAGE_PREFIX = "checkpoints"
# Unset: no timestamps, a warning in DEBUG and a deploy-check error (declarations/checks.py).
DECLARATION_TSA_URL = conf.list(
    "DECLARATION_TSA_URL",
    default=[],
    help="RFC 3161 time-stamping authorities for the checkpoints and the receipt seal, tried in order.",
    production_required=True,
)
DECLARATION_TSA_ROOTS = conf.list(
    "DECLARATION_TSA_ROOTS",
    default=[],
    default_doc="empty (the TEST PKI's root while `EVIDENCE_TEST_PKI` is on)",
    help="PEM file(s) of the roots the TSA's tokens must chain to (declarations/timestamps.py).",
    production_required=True,
)
DECLARATION_TSA_TIMEOUT = conf.float(
    "DECLARATION_TSA_TIMEOUT", default=10.0, help="Seconds to wait for a time-stamping authority."
)
DECLARATION_TSA_GRACE_SECONDS = conf.int(
    "DECLARATION_TSA_GRACE_SECONDS",
    default=60 * 60,
    help="A checkpoint older than this without a token is a verification failure (while a TSA is configured).",
)
DECLARATION_TSA_CLOCK_SLACK_SECONDS = conf.int(
    "DECLARATION_TSA_CLOCK_SLACK_SECONDS",
    default=120,
    help="How much earlier than the checkpoint's `created_at` a TSA's genTime may be (the clocks differ).",
)
# The receipt seal (PAdES B-T, declarations/seal.py). Unset in DEBUG: the TEST PKI below (made on
# first use); unset with DEBUG off: deploy-check error.
DECLARATION_SEAL_CERT = conf.str(
    "DECLARATION_SEAL_CERT",
    default="",
    default_doc="empty (the TEST PKI while `EVIDENCE_TEST_PKI` is on)",
    help="PEM file of the certificate that seals receipts (PAdES B-T).",
    production_required=True,
)
DECLARATION_SEAL_KEY = conf.str(
    "DECLARATION_SEAL_KEY",
    default="",
    default_doc="empty (the TEST PKI while `EVIDENCE_TEST_PKI` is on)",
    help="PEM file of the seal certificate's private key.",
    production_required=True,
)
DECLARATION_SEAL_KEY_PASSPHRASE = conf.str(
    "DECLARATION_SEAL_KEY_PASSPHRASE", default="", help="Passphrase of the seal key, if it has one.", secret=True
)
DECLARATION_SEAL_CHAIN = conf.list(
    "DECLARATION_SEAL_CHAIN", default=[], help="PEM file(s) of intermediate certificates of the seal."
)
DECLARATION_SEAL_ROOTS = conf.list(
    "DECLARATION_SEAL_ROOTS", default=[], help="PEM file(s) of the roots a sealed receipt is validated against."
)
EVIDENCE_TEST_PKI = conf.bool(
    "EVIDENCE_TEST_PKI",
    default=DEBUG,
    default_doc="`DJANGO_DEBUG`",
    help="Demo and tests: the TEST PKI stands in for unset TSA roots and seal, and no TSA is a verification "
    "warning only. Off (production): both are errors, and `check --deploy` refuses it on.",
)
_xdg_data_home = conf.str(
    "XDG_DATA_HOME",
    default=str(Path.home() / ".local" / "share"),
    default_doc="`~/.local/share`",
    help="The user's data folder (XDG); only the default of `EVIDENCE_PKI_DIR` uses it.",
)
EVIDENCE_PKI_DIR = conf.path(
    "EVIDENCE_PKI_DIR",
    default=Path(_xdg_data_home) / "imvo-portal" / "test-pki",
    default_doc="`imvo-portal/test-pki` in `XDG_DATA_HOME`",
    help="Where `manage.py evidence_pki` makes the TEST PKI (certomancer; keys made there, outside the repository).",
)
# /verify/checkpoints/: heads per JSON page and in the Atom feed; how long caches may keep them.
CHECKPOINT_FEED_PAGE_SIZE = 200
CHECKPOINT_FEED_ATOM_ENTRIES = 50
CHECKPOINT_FEED_MAX_AGE = conf.int(
    "CHECKPOINT_FEED_MAX_AGE",
    default=300,
    help="Seconds shared caches may keep the public checkpoint feed `/verify/checkpoints/`.",
)
conf.group("Brochures and pages")
RENDITION_STORAGE_PREFIX = "private/renditions"
BROCHURE_RENDER_LEASE_SECONDS = conf.int(
    "BROCHURE_RENDER_LEASE_SECONDS",
    default=30,
    help="A worker's claim on a brochure render, renewed by a heartbeat every third of it while it renders: a "
    "killed worker's render is taken over within this many seconds.",
)
# Anonymous catalogue, mission and brochure pages are cached this many seconds per language
# (core/page_cache.py; invalidated on publish/edit); 0 turns the page cache off.
PAGE_CACHE_SECONDS = conf.int(
    "PAGE_CACHE_SECONDS",
    default=60,
    help="Anonymous catalogue, mission, instrument and brochure pages are cached this long per language "
    "(retired at once on publish or edit); `0` turns the page cache off.",
)
# Behind nginx: serve published PDFs with X-Accel-Redirect to this internal location (which maps
# to MEDIA_ROOT), instead of from the Python process (docs/operations.md: "Serving at scale").
PDF_ACCEL_REDIRECT_PREFIX = conf.str(
    "PDF_ACCEL_REDIRECT_PREFIX",
    default="",
    help="Behind nginx: hand published PDFs to nginx with `X-Accel-Redirect` to this internal location (mapped "
    "to the media folder); empty: the Python process sends them.",
)
BROCHURE_COUNT_BUFFER_URL = conf.str(
    "BROCHURE_COUNT_BUFFER_URL",
    default=REDIS_URL,
    default_doc="`REDIS_URL`",
    help="Redis that buffers brochure read counts (flushed by beat every minute); empty: counted in the database "
    "directly.",
)
HEALTHZ_TIMEOUT = 1.0
# /healthz/ready remembers the cache, broker and worker state this long (in process memory); a web
# process re-probes them in the background every HEALTHZ_READY_INTERVAL seconds (core/health.py).
HEALTHZ_READY_CACHE_SECONDS = 3
# After Redis failed to answer, leave it alone this long (per process) and use the database.
REDIS_RETRY_SECONDS = 5

# --- Outages, logs, metrics and error reports (docs/operations.md) ----------------------------
conf.group("Database")
DATABASE_REQUEST_WAIT_TIMEOUT = conf.float(
    "DATABASE_REQUEST_WAIT_TIMEOUT",
    default=5.0,
    help="Client-side limit, in seconds, on every wait for PostgreSQL while a web request runs (connect "
    "included): longer is treated as an outage (503 page; core/database.py).",
)
DATABASE_CONNECT_TIMEOUT = conf.float(
    "DATABASE_CONNECT_TIMEOUT",
    default=3.0,
    help="Seconds to open a PostgreSQL connection (libpq `connect_timeout`, and the client limit of a connect "
    "outside requests).",
)
DATABASE_STATEMENT_TIMEOUT = conf.int(
    "DATABASE_STATEMENT_TIMEOUT",
    default=30,
    help="Server-side `statement_timeout` in seconds for every connection (`0`: none; give a long maintenance "
    "command its own value in its environment).",
)
DATABASE_WAIT_TIMEOUT = conf.float(
    "DATABASE_WAIT_TIMEOUT",
    default=DATABASE_STATEMENT_TIMEOUT + 5.0 if DATABASE_STATEMENT_TIMEOUT else 0.0,
    default_doc="`DATABASE_STATEMENT_TIMEOUT` + 5 (`0` when that is `0`)",
    help="Client-side limit on one wait for PostgreSQL outside web requests (tasks, commands); `0`: no limit.",
)
DATABASE_KEEPALIVES_IDLE = conf.int(
    "DATABASE_KEEPALIVES_IDLE",
    default=5,
    help="Seconds of TCP silence before keepalive probes (then every 2 s, 3 probes).",
)
DATABASE_TCP_USER_TIMEOUT_MS = conf.int(
    "DATABASE_TCP_USER_TIMEOUT_MS",
    default=5000,
    help="`TCP_USER_TIMEOUT` in ms (unacknowledged data): a partition ends the connection within seconds instead "
    "of the kernel's ~15 minutes.",
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options.setdefault("connect_timeout", max(1, round(DATABASE_CONNECT_TIMEOUT)))
    _db_options.setdefault("keepalives", 1)
    _db_options.setdefault("keepalives_idle", DATABASE_KEEPALIVES_IDLE)
    _db_options.setdefault("keepalives_interval", 2)
    _db_options.setdefault("keepalives_count", 3)
    _db_options.setdefault("tcp_user_timeout", DATABASE_TCP_USER_TIMEOUT_MS)
    if DATABASE_STATEMENT_TIMEOUT:
        _db_options["options"] = (
            _db_options.get("options", "") + f" -c statement_timeout={DATABASE_STATEMENT_TIMEOUT * 1000}"
        ).strip()
DATABASE_OUTAGE_RETRY_AFTER = conf.int(
    "DATABASE_OUTAGE_RETRY_AFTER",
    default=30,
    help="The `Retry-After` (seconds) of the 503 page answered while the database is unreachable.",
)
conf.group("Health checks and metrics")
HEALTHZ_DATABASE_TIMEOUT = conf.float(
    "HEALTHZ_DATABASE_TIMEOUT",
    default=0.8,
    help="Seconds `/healthz` waits at most for the database (it answers within 1 s).",
)
HEALTHZ_READY_INTERVAL = conf.float(
    "HEALTHZ_READY_INTERVAL",
    default=1.0,
    help="Seconds between two background probes of cache, broker and worker in a web process.",
)
# Redis: connect and socket timeouts and TCP keepalive on the cache, the broker and the health probe.
if REDIS_URL:
    CACHES["default"]["OPTIONS"]["socket_keepalive"] = True
CELERY_BROKER_TRANSPORT_OPTIONS["socket_keepalive"] = True
CELERY_BROKER_TRANSPORT_OPTIONS["health_check_interval"] = 10
# Celery: task events for monitoring (flower, celery events), and Django's LOGGING (JSON) in workers.
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
conf.group("Logging")
LOG_FORMAT = conf.str(
    "LOG_FORMAT",
    default="json",
    help="Log line format of every logger: `json` (one object a line, UTC ISO 8601) or `plain` (for a "
    "developer's terminal).",
)
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT
LOGGING["handlers"]["security"]["formatter"] = LOG_FORMAT
LOGGING["handlers"]["console"]["filters"] = ["redact_tokens", "request_context"]
LOGGING["handlers"]["security"]["filters"] = ["redact_tokens", "request_context"]
LOGGING["filters"]["request_context"] = {"()": "core.log_format.RequestContextFilter"}
LOG_REQUESTS = conf.bool(
    "LOG_REQUESTS",
    default=True,
    help="One log line per request (request id, user id, route, status, duration; core/request_log.py) at INFO; "
    "`0`: only gunicorn's access log.",
)
LOGGING["loggers"]["imvo.request"] = {
    "handlers": ["console"],
    "level": "INFO" if LOG_REQUESTS else "WARNING",
    "propagate": False,
}
conf.group("Health checks and metrics")
METRICS_TOKEN = conf.str(
    "METRICS_TOKEN",
    default="",
    help="Bearer token `/metrics` asks for (`Authorization: Bearer …`); with neither this nor "
    "`METRICS_ALLOWED_IPS` set, `/metrics` is 404.",
    secret=True,
)
# prometheus_client reads it itself (core/metrics.py and deploy/gunicorn.conf.py only test whether it is set).
conf.external(
    "PROMETHEUS_MULTIPROC_DIR",
    reader="prometheus_client",
    help="A folder the web processes of one node share their metrics through (set for gunicorn; empty: one "
    "process's metrics).",
)
METRICS_ALLOWED_IPS = conf.list(
    "METRICS_ALLOWED_IPS",
    default=[],
    help="Client IP addresses or networks allowed to read `/metrics` without the token.",
)
conf.group("Error reports")
SENTRY_DSN = conf.str(
    "SENTRY_DSN",
    default="",
    help="Sentry DSN; set, errors are reported through sentry-sdk without personal data.",
    secret=True,
)
SENTRY_ENVIRONMENT = conf.str(
    "SENTRY_ENVIRONMENT", default="production", help="The environment name errors are reported under."
)
SENTRY_TRACES_SAMPLE_RATE = conf.float(
    "SENTRY_TRACES_SAMPLE_RATE", default=0.0, help="Share of requests traced for performance (0 to 1)."
)
if SENTRY_DSN:
    from core.error_reporting import sentry_init

    sentry_init(SENTRY_DSN, environment=SENTRY_ENVIRONMENT, traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)
# Right after the request id: the request log line (and request metrics), then the outage page.
MIDDLEWARE[MIDDLEWARE.index("core.middleware.RequestIdMiddleware") + 1 : 0] = [
    "core.request_log.RequestLogMiddleware",
    "core.outage.DatabaseOutageMiddleware",
]

# --- API (docs/api.md) ---------------------------------------------------------------
# The API app (/api/v1/, docs/api.md) and its machine clients; DRF, drf-spectacular and
# django-oauth-toolkit are configured here from these.
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar", "oauth2_provider", "api"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "api.middleware.ApiVersionMiddleware"
)
conf.group("API")
API_TOKEN_SECONDS = conf.int(
    "API_TOKEN_SECONDS",
    default=600,
    help="Seconds an API access token (OAuth 2 client credentials) stays valid.",
)
API_RATE_LIMIT = conf.str(
    "API_RATE_LIMIT",
    default="600/min",
    help="Requests per API client (DRF rate syntax, `n/sec`, `min`, `hour` or `day`); 429 beyond it.",
)
API_TOKEN_RATE_LIMIT = conf.str(
    "API_TOKEN_RATE_LIMIT",
    default="30/min",
    help="Token requests per client id and per IP address; 429 beyond it.",
)
API_PAGE_SIZE = conf.int(
    "API_PAGE_SIZE",
    default=50,
    help="Items per page of an API list unless the client asks for `page_size` (at most 100).",
)
API_SCOPES = {
    "missions:read": "Read missions and preparation sessions",
    "registrations:read": "Read registrations, their status history and attendance",
    "registrations:write": "Decide on registrations (confirm, promote from the waiting list, reject)",
    "attendance:write": "Record attendance at preparation sessions",
    "instruments:read": "Read instruments with their IMVO level, phases and conditions",
    "declarations:read": "Read declaration records as evidence (no personal data)",
    "personal-data:read": "Also receive personal data (names, e-mail addresses, IP addresses, user agents)",
    "figures:read": "Read the published dashboard releases",
}
# The OAuth application model (swappable in django-oauth-toolkit; ours is its default).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "SCOPES": API_SCOPES,
    "DEFAULT_SCOPES": [],
    "ACCESS_TOKEN_EXPIRE_SECONDS": API_TOKEN_SECONDS,
    "OAUTH2_VALIDATOR_CLASS": "api.oauth.ClientScopesValidator",
    "SCOPES_BACKEND_CLASS": "api.oauth.ClientScopes",
    # Only client credentials are offered; no refresh tokens for them.
    "ALLOWED_GRANT_TYPES": ["client_credentials"],
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    # Tokens are stored as their SHA-256 only (RFC 9700): a database reader cannot use them.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    # The rest of RFC 9700 too (none of these grants is offered, but the library's defaults would
    # accept them were ALLOWED_GRANT_TYPES ever widened).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ClientTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ScopeRequired"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"client": API_RATE_LIMIT, "token": API_TOKEN_RATE_LIMIT},
    "DEFAULT_PAGINATION_CLASS": "api.pagination.KeysetPagination",
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IMVO mission portal API",
    "DESCRIPTION": "Read missions, registrations, instruments, declaration evidence and published figures; "
    "record staff decisions and attendance. OAuth 2 client credentials with scopes; see docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.problems_everywhere"],
    "ENUM_NAME_OVERRIDES": {
        "MissionStatusEnum": "missions.constants.MissionStatus",
        "RegistrationStatusEnum": "missions.constants.RegistrationStatus",
        "InstrumentStatusEnum": "instruments.constants.InstrumentStatus",
        "AttendanceStatusEnum": "missions.constants.AttendanceStatus",
        "FrameworkLevelEnum": "instruments.constants.FrameworkLevel",
    },
}

# --- Backups, webhooks and open data ---------------------------------------------------
conf.group("Backups, webhooks and open data")
PORTAL_VERSION = conf.str(
    "PORTAL_VERSION",
    default="",
    default_doc="empty: the git commit of the code, when it can be read",
    help="The release's version or commit, written into each backup's manifest (`manage.py backup`) beside the "
    "migrations.",
)
WEBHOOK_TIMEOUT_SECONDS = conf.float(
    "WEBHOOK_TIMEOUT_SECONDS",
    default=10.0,
    help="Seconds a webhook receiver has for one attempt, from connecting to the end of its answer; a slower "
    "one counts as a failed attempt (retried).",
)
WEBHOOK_MAX_ATTEMPTS = conf.int(
    "WEBHOOK_MAX_ATTEMPTS",
    default=14,
    help="Attempts of one delivery before it is given up (staff can send it again); the waits grow "
    "exponentially (core.jobs: 1, 2, 4 … min, at most 4 h), so 14 attempts retry for about a day.",
)
WEBHOOK_LEASE_SECONDS = conf.int(
    "WEBHOOK_LEASE_SECONDS",
    default=60,
    help="A worker's claim on one delivery; after a worker dies, another takes it over this long after. Must "
    "exceed `WEBHOOK_TIMEOUT_SECONDS`.",
)
WEBHOOK_CA_FILE = conf.str(
    "WEBHOOK_CA_FILE",
    default="",
    default_doc="empty: the system's trusted CAs",
    help="A PEM bundle of the CAs whose certificates webhook receivers may present.",
)
# WEBHOOK_TEST_ALLOWED_ADDRESSES (list, default empty; NOT read from the environment): exact
# non-public addresses a webhook may still reach. Tests only (a receiver on 127.0.0.1).
WEBHOOK_TEST_ALLOWED_ADDRESSES: list[str] = []
OPEN_DATA_PUBLISHER_NAME = conf.str(
    "OPEN_DATA_PUBLISHER_NAME",
    default="Rijksdienst voor Ondernemend Nederland",
    help="The `dct:publisher` name of the open-data catalogue (`/open-data/catalog.jsonld`).",
)
OPEN_DATA_PUBLISHER_URI = conf.str(
    "OPEN_DATA_PUBLISHER_URI",
    default="https://standaarden.overheid.nl/owms/terms/Rijksdienst_voor_Ondernemend_Nederland",
    help="The `dct:publisher` URI of the open-data catalogue (the RVO's URI in the government's list of "
    "organisations).",
)
# Beat: turn new audit events into webhook deliveries (also triggered on commit) and send due ones.
CELERY_BEAT_SCHEDULE["webhooks-dispatch"] = {"task": "webhooks.tasks.webhooks_dispatch", "schedule": 60.0}
