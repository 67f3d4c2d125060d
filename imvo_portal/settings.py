"""Settings for the IMVO mission portal, read from the environment.

With no environment at all the portal runs embedded: SQLite, Celery in eager mode,
console e-mail, local media and DEBUG on. Every production concern is switched on by
``DJANGO_DEBUG=0``, which then insists on a secret key and allowed hosts.
"""

import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    # Development-only key: never valid once DEBUG is off (see the check below).
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
else:
    missing = [name for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS") if not env.str(name, default="")]
    if missing:
        raise ImproperlyConfigured("DJANGO_DEBUG is off, so these settings are required: " + ", ".join(missing))
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
    missing = [n for n in ("DECLARATION_CHAIN_KEY", "DECLARATION_CHECKPOINT_PRIVATE_KEY") if not env.str(n, default="")]
    if missing:
        raise ImproperlyConfigured(
            "DJANGO_DEBUG is off, so the declaration evidence keys are required: "
            + ", ".join(missing)
            + " (see the README, section 'Evidence and database roles')"
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
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# The owner role, which runs `migrate` and `db_roles`; DATABASE_URL is then the portal's own role,
# with INSERT and SELECT only on the evidence tables (README: "Evidence and database roles").
DATABASE_OWNER_URL = env.str("DATABASE_OWNER_URL", default="")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Connect, statement and TCP timeouts: see the "ops: new settings" block at the end of this file.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
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
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
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
LOGIN_THROTTLE_FREE_ATTEMPTS = env.int("LOGIN_THROTTLE_FREE_ATTEMPTS", default=10)
LOGIN_THROTTLE_MAX_DELAY = env.int("LOGIN_THROTTLE_MAX_DELAY", default=60)
LOGIN_DEVICE_COOKIE_NAME = "imvo_known_device"
LOGIN_DEVICE_COOKIE_AGE = 60 * 60 * 24 * 180

# Second factor (django-otp): mandatory for RVO staff, the ministry and superusers (accounts/mfa.py).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="IMVO-missieportaal")
# Wrong codes slow down the session that sends them (accounts/mfa.py), not the device: someone
# with only the password cannot lock the real user out. django-otp's per-device throttle is off.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
MFA_THROTTLE_FACTOR = 1  # seconds, doubling with each wrong code of the session
MFA_THROTTLE_MAX_DELAY = env.int("MFA_THROTTLE_MAX_DELAY", default=60)
# Wrong codes for one account in an hour (all sessions) after which its owner is told by e-mail.
MFA_NOTIFY_AFTER_FAILURES = env.int("MFA_NOTIFY_AFTER_FAILURES", default=5)
MFA_RECOVERY_CODES = 10
# Seconds a proof of password and second factor counts for sensitive actions (accounts/reauth.py).
REAUTH_MAX_AGE = env.int("REAUTH_MAX_AGE", default=300)

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
RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)

# Client IP: REMOTE_ADDR, unless the request came through one of these proxies.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# --- Sessions -------------------------------------------------------------------------
# Counted from login and never extended; the idle timeout is exact to the second (core/middleware.py).
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_ABSOLUTE_LIFETIME", default=60 * 60 * 10)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=60 * 30)
# Seconds between two writes of a session's last activity (core/middleware.py): the idle
# timeout may end a session up to this much early, never late; 1 = exact to the second.
SESSION_ACTIVITY_RESOLUTION = env.int("SESSION_ACTIVITY_RESOLUTION", default=60)
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
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
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
if env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    # S3-compatible object storage; files stay private (signed, expiring URLs are never handed out:
    # downloads go through the permission-checked views, which read the object themselves).
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
# Write-once copies of the signed declaration checkpoints: read-only files locally; on S3 with object
# lock when AWS_S3_OBJECT_LOCK_MODE is set (GOVERNANCE or COMPLIANCE; the bucket needs object lock).
STORAGES["evidence"] = {"BACKEND": STORAGES["default"]["BACKEND"], "OPTIONS": {"file_permissions_mode": 0o444}}
if env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES["evidence"] = {
        "BACKEND": "declarations.storage.EvidenceS3Storage",
        "OPTIONS": {
            **STORAGES["default"]["OPTIONS"],
            "object_lock_mode": env.str("AWS_S3_OBJECT_LOCK_MODE", default=""),
            "object_lock_days": env.int("AWS_S3_OBJECT_LOCK_DAYS", default=3650),
        },
    }
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = EMAIL_CONFIG["EMAIL_BACKEND"]
EMAIL_HOST = EMAIL_CONFIG.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = EMAIL_CONFIG.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = EMAIL_CONFIG.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = EMAIL_CONFIG.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = EMAIL_CONFIG.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = EMAIL_CONFIG.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="IMVO-missieportaal <noreply@imvo-portal.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# Passkeys (django-otp-webauthn, accounts/passkeys.py): a second factor only, never a login alone.
# The relying party is the portal's host name (an IP address cannot hold passkeys: use localhost in
# development); PASSKEY_ORIGINS lists the exact origins that may use them.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_NAME = env.str("PASSKEY_RP_NAME", default="IMVO-missieportaal")
_portal = urlsplit(PORTAL_BASE_URL)
OTP_WEBAUTHN_RP_ID = env.str(
    "PASSKEY_RP_ID", default="localhost" if _portal.hostname in ("127.0.0.1", "::1", None) else _portal.hostname
)
_portal_origin = f"{_portal.scheme}://{_portal.netloc}"
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "PASSKEY_ORIGINS",
    default=[_portal_origin] if _portal.scheme == "https" else [_portal_origin.replace("127.0.0.1", "localhost")],
)
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="imvo-steunpunt@rvo.example")

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
# Refresh the dashboard's rollups when a ministry user opens it and they are older than the refresh
# interval (incremental, cheap). On by default when there is no broker, hence no beat to do it.
DASHBOARD_REFRESH_ON_READ = env.bool("DASHBOARD_REFRESH_ON_READ", default=CELERY_TASK_ALWAYS_EAGER)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool process that grew past this many KiB (default 400 MB) is replaced after its current task:
# one huge render cannot leave a bloated process behind. Input limits (core/markdown.py,
# brochures/content.py) keep any single render well below it.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=400_000)
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
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="imvo")
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
# --- eHerkenning (OpenID Connect through a broker; README "Log in with eHerkenning") ---------------
# Off while OIDC_ISSUER or OIDC_CLIENT_ID is empty: the embedded default has password accounts only.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
# client_secret_basic, client_secret_post or private_key_jwt (then OIDC_CLIENT_PRIVATE_KEY, a PEM key).
OIDC_CLIENT_AUTH_METHOD = env.str("OIDC_CLIENT_AUTH_METHOD", default="client_secret_basic")
OIDC_CLIENT_PRIVATE_KEY = env.str("OIDC_CLIENT_PRIVATE_KEY", multiline=True, default="")
OIDC_CLIENT_PRIVATE_KEY_ID = env.str("OIDC_CLIENT_PRIVATE_KEY_ID", default="")
OIDC_SCOPES = env.str("OIDC_SCOPES", default="openid eherkenning")
# Signature algorithms accepted on the ID token (never "none" or a shared-secret HMAC).
OIDC_SIGNING_ALGORITHMS = env.list("OIDC_SIGNING_ALGORITHMS", default=["RS256", "ES256"])
# Clock skew allowed on exp/iat/nbf, in seconds; capped at 300 (claims.py).
OIDC_LEEWAY = env.int("OIDC_LEEWAY", default=60)
# Seconds to wait for the provider (discovery, keys, token endpoint).
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=5)
# The provider's key set is kept at most this many seconds per process (a revoked key stops working
# within it); an unknown ``kid`` or a failed signature fetches it again, at most once per
# OIDC_JWKS_MIN_REFRESH seconds (a stream of forged tokens cannot make the portal hammer the broker).
OIDC_JWKS_MAX_AGE = env.int("OIDC_JWKS_MAX_AGE", default=600)
OIDC_JWKS_MIN_REFRESH = env.int("OIDC_JWKS_MIN_REFRESH", default=60)
# Audiences besides OIDC_CLIENT_ID that an ID token may also name (OIDC Core 3.1.3.7: a token whose
# ``aud`` lists an untrusted audience is refused). Empty: the audience must be our client id alone.
OIDC_TRUSTED_AUDIENCES = env.list("OIDC_TRUSTED_AUDIENCES", default=[])
# Claim names, with defaults for an eHerkenning broker.
OIDC_CLAIM_SUBJECT = env.str("OIDC_CLAIM_SUBJECT", default="sub")
OIDC_CLAIM_KVK = env.str("OIDC_CLAIM_KVK", default="urn:etoegang:core:LegalSubjectID")
OIDC_CLAIM_BRANCH = env.str("OIDC_CLAIM_BRANCH", default="urn:etoegang:1.9:ServiceRestriction:Vestigingsnr")
OIDC_CLAIM_NAME = env.str("OIDC_CLAIM_NAME", default="name")
OIDC_CLAIM_EMAIL = env.str("OIDC_CLAIM_EMAIL", default="email")
OIDC_CLAIM_ASSURANCE = env.str("OIDC_CLAIM_ASSURANCE", default="loa")
OIDC_CLAIM_AUTHORISATION = env.str("OIDC_CLAIM_AUTHORISATION", default="urn:etoegang:core:ServiceName")
# The service whose authorisation (machtiging) makes the person a signatory for the session.
OIDC_SIGNING_SERVICE = env.str("OIDC_SIGNING_SERVICE", default="IMVO-verklaring afgeven")
# Lowest accepted assurance level (eHerkenning or eIDAS URN); default substantial (EH3).
OIDC_MIN_ASSURANCE = env.str("OIDC_MIN_ASSURANCE", default="urn:etoegang:core:assurance-class:loa3")
if OIDC_ISSUER:
    # The logout form ends at the provider (RP-initiated logout): allow that redirect after a POST.
    from urllib.parse import urlsplit as _urlsplit

    _issuer = _urlsplit(OIDC_ISSUER)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_issuer.scheme}://{_issuer.netloc}")

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    if not SECURE_SSL_REDIRECT:
        # A TLS-terminating proxy redirects for us; Django's deploy check should know.
        SILENCED_SYSTEM_CHECKS = ["security.W008"]
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- Logging --------------------------------------------------------------------------
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
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Authentication and session events as JSON lines with request id and client IP.
        "imvo.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        "celery.app.trace": {"level": "WARNING"},
    },
}
# (JSON logs everywhere: see the "ops: new settings" block at the end of this file.)

# --- Portal ---------------------------------------------------------------------------
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="imvo-demo")
LARGE_COMPANY_TARGET_PERCENT = 90
DECLARATION_REUSE_DAYS = 365
DASHBOARD_MIN_CELL = 5
# Key of the dashboard's keyed random rounding (dashboard/keys.py): hex or base64 of >= 32 random
# bytes, never derived from SECRET_KEY. Required in production (`check --deploy` fails without it);
# empty while DEBUG is on: a key generated at first use and kept in LOCAL_STATE_DIR.
DASHBOARD_ROUNDING_KEY = env.str("DASHBOARD_ROUNDING_KEY", default="")
# Secrets the embedded default generates for itself (core/local_state.py), in files only their
# owner may read (0600); never in the database or the repository.
LOCAL_STATE_DIR = Path(env.str("LOCAL_STATE_DIR", default=str(BASE_DIR / "local-state")))
# Releases of the ministry's figures (dashboard/release_method.py): cadence (weekly, monthly,
# quarterly), privacy budget per year (rho, zCDP) and contribution bound per organisation.
DASHBOARD_RELEASE_CADENCE = env.str("DASHBOARD_RELEASE_CADENCE", default="monthly")
DASHBOARD_RELEASE_RHO_PER_YEAR = env.float("DASHBOARD_RELEASE_RHO_PER_YEAR", default=2.0)
DASHBOARD_RELEASE_MAX_REGISTRATIONS = env.int("DASHBOARD_RELEASE_MAX_REGISTRATIONS", default=3)
# --- Retention of personal data (README: "Privacy and retention"), in days per kind of data.
# Beat's ``privacy.tasks.retention_erase`` erases what is older; the privacy page states these.
RETENTION_DAYS = {
    # Participants' names, e-mail addresses and positions: counted from the end of the mission.
    "participants": env.int("RETENTION_DAYS_PARTICIPANTS", default=365),
    # Signatory name and position, IP address and user agent of a declaration (erased together,
    # as an appended erasure event): counted from signing. The declaration itself is kept.
    "declaration_personal_data": env.int("RETENTION_DAYS_DECLARATION_PERSONAL_DATA", default=7 * 365),
    # E-mail addresses of invitations that were accepted, revoked or expired: from the invitation.
    "invitations": env.int("RETENTION_DAYS_INVITATIONS", default=90),
    # Recipients and text of outgoing e-mail that was sent or given up: from queueing.
    "outbox": env.int("RETENTION_DAYS_OUTBOX", default=30),
    # Login records of the lockout (django-axes: address, IP address, user agent): from the attempt.
    "login_records": env.int("RETENTION_DAYS_LOGIN_RECORDS", default=180),
    # The personal part of audit events (actor's e-mail address, IP address, user agent, personal
    # details such as the address of a failed login): from the event. The event itself is kept.
    "audit_personal": env.int("RETENTION_DAYS_AUDIT_PERSONAL", default=180),
}
# How long a link to confirm the deletion of one's account works.
ACCOUNT_DELETE_LINK_MAX_AGE = 24 * 60 * 60
RECEIPT_STORAGE_PREFIX = "private/receipts"
# /verify/: the largest receipt PDF that may be uploaded to check it (receipts are ~100 kB).
VERIFY_RECEIPT_MAX_BYTES = env.int("VERIFY_RECEIPT_MAX_BYTES", default=2 * 1024 * 1024)
# /verify/ reads an upload that is not an issued receipt in a child process with these limits
# (declarations/receipt_sandbox.py), at most VERIFY_SANDBOX_SLOTS at once per node; over that the
# page answers 503 "busy, try again" with Retry-After at once.
VERIFY_SANDBOX_SLOTS = env.int("VERIFY_SANDBOX_SLOTS", default=1)
VERIFY_SANDBOX_SLOT_DIR = env.str(
    "VERIFY_SANDBOX_SLOT_DIR", default=str(Path(tempfile.gettempdir()) / "imvo-verify-slots")
)
VERIFY_SANDBOX_CPU_SECONDS = env.int("VERIFY_SANDBOX_CPU_SECONDS", default=2)
VERIFY_SANDBOX_MEMORY_MB = env.int("VERIFY_SANDBOX_MEMORY_MB", default=256)
VERIFY_SANDBOX_WALL_SECONDS = env.float("VERIFY_SANDBOX_WALL_SECONDS", default=4.0)
# --- Declaration evidence (README: "Evidence and database roles") ---
# DEV-ONLY keys, public in this repository: used only while DEBUG is on, refused when it is off.
DEV_DECLARATION_CHAIN_KEY = "afc7943e10c3f5bc71f322cb4e7683b535308cb22291a2997e687162fd5fbfca"
DEV_DECLARATION_CHECKPOINT_PRIVATE_KEY = "Jd7+ZHO7ZLfNfiWmKuk7gcadis0Mb0hhp7y4fA8jHwI="
# HMAC-SHA-256 key of the chain (hex or base64, >= 32 bytes) and older keys still needed to verify.
DECLARATION_CHAIN_KEY = env.str("DECLARATION_CHAIN_KEY", default=DEV_DECLARATION_CHAIN_KEY if DEBUG else "")
DECLARATION_CHAIN_KEYS = env.list("DECLARATION_CHAIN_KEYS", default=[])
# Ed25519 key that signs checkpoints (PEM, "\n" allowed for newlines, or base64 of the 32-byte key).
DECLARATION_CHECKPOINT_PRIVATE_KEY = env.str(
    "DECLARATION_CHECKPOINT_PRIVATE_KEY",
    multiline=True,
    default=DEV_DECLARATION_CHECKPOINT_PRIVATE_KEY if DEBUG else "",
)
DECLARATION_CHECKPOINT_PUBLIC_KEYS = env.list("DECLARATION_CHECKPOINT_PUBLIC_KEYS", default=[])
DECLARATION_CHECKPOINT_EVERY = env.int("DECLARATION_CHECKPOINT_EVERY", default=100)
CHECKPOINT_STORAGE_PREFIX = "checkpoints"
# RFC 3161 time-stamping authorities for the checkpoints and the receipt seal, tried in order
# (comma separated), and the PEM file(s) of the roots their tokens must chain to
# (declarations/timestamps.py). Unset: no timestamps, a warning in DEBUG and a deploy-check error.
DECLARATION_TSA_URL = env.list("DECLARATION_TSA_URL", default=[])
DECLARATION_TSA_ROOTS = env.list("DECLARATION_TSA_ROOTS", default=[])
DECLARATION_TSA_TIMEOUT = env.float("DECLARATION_TSA_TIMEOUT", default=10.0)
# A checkpoint older than this without a token is a verification failure (while a TSA is configured).
DECLARATION_TSA_GRACE_SECONDS = env.int("DECLARATION_TSA_GRACE_SECONDS", default=60 * 60)
# How much earlier than the checkpoint's created_at a TSA's genTime may be (the clocks differ).
DECLARATION_TSA_CLOCK_SLACK_SECONDS = env.int("DECLARATION_TSA_CLOCK_SLACK_SECONDS", default=120)
# The receipt seal (PAdES B-T, declarations/seal.py): certificate and key (PEM paths), the key's
# passphrase, intermediate certificates, and the roots a sealed receipt is validated against.
# Unset in DEBUG: the TEST PKI below (made on first use); unset with DEBUG off: deploy-check error.
DECLARATION_SEAL_CERT = env.str("DECLARATION_SEAL_CERT", default="")
DECLARATION_SEAL_KEY = env.str("DECLARATION_SEAL_KEY", default="")
DECLARATION_SEAL_KEY_PASSPHRASE = env.str("DECLARATION_SEAL_KEY_PASSPHRASE", default="")
DECLARATION_SEAL_CHAIN = env.list("DECLARATION_SEAL_CHAIN", default=[])
DECLARATION_SEAL_ROOTS = env.list("DECLARATION_SEAL_ROOTS", default=[])
# Demo and tests (default: DEBUG): the TEST PKI stands in for unset TSA roots and seal, and no TSA
# is a verification warning only. Off (production): both are errors.
EVIDENCE_TEST_PKI = env.bool("EVIDENCE_TEST_PKI", default=DEBUG)
# Where `manage.py evidence_pki` makes the TEST PKI (certomancer; keys made there, outside the repository).
EVIDENCE_PKI_DIR = Path(
    env.str(
        "EVIDENCE_PKI_DIR",
        default=str(
            Path(env.str("XDG_DATA_HOME", default=str(Path.home() / ".local" / "share"))) / "imvo-portal" / "test-pki"
        ),
    )
)
# /verify/checkpoints/: heads per JSON page and in the Atom feed; how long caches may keep them.
CHECKPOINT_FEED_PAGE_SIZE = 200
CHECKPOINT_FEED_ATOM_ENTRIES = 50
CHECKPOINT_FEED_MAX_AGE = env.int("CHECKPOINT_FEED_MAX_AGE", default=300)
RENDITION_STORAGE_PREFIX = "private/renditions"
# A worker's claim on a brochure render, renewed by a heartbeat every third of it while the render
# runs: after a worker is killed, its render is taken over within this many seconds.
BROCHURE_RENDER_LEASE_SECONDS = env.int("BROCHURE_RENDER_LEASE_SECONDS", default=30)
# Test-only: seconds a worker waits before a first render attempt, so worker tests can kill it mid-render.
BROCHURE_RENDER_TEST_DELAY = env.float("BROCHURE_RENDER_TEST_DELAY", default=0)
# Anonymous catalogue, mission and brochure pages are cached this many seconds per language
# (core/page_cache.py; invalidated on publish/edit); 0 turns the page cache off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)
# Behind nginx: serve published PDFs with X-Accel-Redirect to this internal location (which maps
# to MEDIA_ROOT), instead of from the Python process (README: "Serving PDFs"). Empty: Python.
PDF_ACCEL_REDIRECT_PREFIX = env.str("PDF_ACCEL_REDIRECT_PREFIX", default="")
# Redis hash that buffers brochure read counts (flushed by beat every minute); empty: write directly.
BROCHURE_COUNT_BUFFER_URL = env.str("BROCHURE_COUNT_BUFFER_URL", default=REDIS_URL)
HEALTHZ_TIMEOUT = 1.0
# /healthz/ready remembers the cache, broker and worker state this long (in process memory); a web
# process re-probes them in the background every HEALTHZ_READY_INTERVAL seconds (core/health.py).
HEALTHZ_READY_CACHE_SECONDS = 3
# After Redis failed to answer, leave it alone this long (per process) and use the database.
REDIS_RETRY_SECONDS = 5

# --- ops: new settings ---
# float, default 5: a client-side limit, in seconds, on every wait for PostgreSQL while a web request
# runs (connect included): longer is treated as an outage (503 page). core/database.py.
DATABASE_REQUEST_WAIT_TIMEOUT = env.float("DATABASE_REQUEST_WAIT_TIMEOUT", default=5.0)
# float, default 3: seconds to open a PostgreSQL connection (libpq connect_timeout, and the client limit
# of a connect outside requests).
DATABASE_CONNECT_TIMEOUT = env.float("DATABASE_CONNECT_TIMEOUT", default=3.0)
# int, default 30: server-side statement_timeout in seconds for every connection (0 = none; give a long
# maintenance command its own value in its environment).
DATABASE_STATEMENT_TIMEOUT = env.int("DATABASE_STATEMENT_TIMEOUT", default=30)
# float, default DATABASE_STATEMENT_TIMEOUT + 5 (none when that is 0): the client-side limit on one wait
# for PostgreSQL outside web requests (tasks, commands); 0 = no limit.
DATABASE_WAIT_TIMEOUT = env.float(
    "DATABASE_WAIT_TIMEOUT", default=DATABASE_STATEMENT_TIMEOUT + 5.0 if DATABASE_STATEMENT_TIMEOUT else 0.0
)
# int, default 5: seconds of TCP silence before keepalive probes (then every 2 s, 3 probes), and
# int, default 5000: TCP_USER_TIMEOUT in ms (unacknowledged data): a partition ends the connection
# within seconds instead of the kernel's ~15 minutes.
DATABASE_KEEPALIVES_IDLE = env.int("DATABASE_KEEPALIVES_IDLE", default=5)
DATABASE_TCP_USER_TIMEOUT_MS = env.int("DATABASE_TCP_USER_TIMEOUT_MS", default=5000)
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
# int, default 30: the Retry-After (seconds) of the 503 page answered while the database is unreachable.
DATABASE_OUTAGE_RETRY_AFTER = env.int("DATABASE_OUTAGE_RETRY_AFTER", default=30)
# float, default 0.8: /healthz waits at most this long for the database (it answers within 1 s).
HEALTHZ_DATABASE_TIMEOUT = env.float("HEALTHZ_DATABASE_TIMEOUT", default=0.8)
# float, default 1: seconds between two background probes of cache, broker and worker in a web process.
HEALTHZ_READY_INTERVAL = env.float("HEALTHZ_READY_INTERVAL", default=1.0)
# Redis: connect and socket timeouts and TCP keepalive on the cache, the broker and the health probe.
if REDIS_URL:
    CACHES["default"]["OPTIONS"]["socket_keepalive"] = True
CELERY_BROKER_TRANSPORT_OPTIONS["socket_keepalive"] = True
CELERY_BROKER_TRANSPORT_OPTIONS["health_check_interval"] = 10
# Celery: task events for monitoring (flower, celery events), and Django's LOGGING (JSON) in workers.
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# str, default "json": log line format of every logger, "json" (one object a line, UTC ISO 8601) or
# "plain" (for a developer's terminal).
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT
LOGGING["handlers"]["security"]["formatter"] = LOG_FORMAT
LOGGING["handlers"]["console"]["filters"] = ["redact_tokens", "request_context"]
LOGGING["handlers"]["security"]["filters"] = ["redact_tokens", "request_context"]
LOGGING["filters"]["request_context"] = {"()": "core.log_format.RequestContextFilter"}
# bool, default True: one log line per request (request id, user id, route, status, duration;
# core/request_log.py) at INFO; off: only the access log of gunicorn (deploy/gunicorn.conf.py).
LOG_REQUESTS = env.bool("LOG_REQUESTS", default=True)
LOGGING["loggers"]["imvo.request"] = {
    "handlers": ["console"],
    "level": "INFO" if LOG_REQUESTS else "WARNING",
    "propagate": False,
}
# str, default "": bearer token that /metrics asks for (Authorization: Bearer ...); and
# list, default []: client IP addresses or networks allowed without it. Neither set: /metrics is 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# str, default "": Sentry DSN; set, errors are reported through sentry-sdk without personal data.
# SENTRY_ENVIRONMENT (str, default "production") and SENTRY_TRACES_SAMPLE_RATE (float, default 0).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if SENTRY_DSN:
    from core.error_reporting import sentry_init

    sentry_init(SENTRY_DSN, environment=SENTRY_ENVIRONMENT, traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)
# Right after the request id: the request log line (and request metrics), then the outage page.
MIDDLEWARE[MIDDLEWARE.index("core.middleware.RequestIdMiddleware") + 1 : 0] = [
    "core.request_log.RequestLogMiddleware",
    "core.outage.DatabaseOutageMiddleware",
]

# --- api: new settings ---
# The API app (/api/v1/, docs/api.md) and its machine clients; DRF, drf-spectacular and
# django-oauth-toolkit are configured here from these.
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar", "oauth2_provider", "api"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "api.middleware.ApiVersionMiddleware"
)
# int, default 600: seconds an API access token (OAuth 2 client credentials) stays valid.
API_TOKEN_SECONDS = env.int("API_TOKEN_SECONDS", default=600)
# str, default "600/min": requests per client (DRF rate syntax, n/sec|min|hour|day); 429 beyond it.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/min")
# str, default "30/min": token requests per client id and per IP address; 429 beyond it.
API_TOKEN_RATE_LIMIT = env.str("API_TOKEN_RATE_LIMIT", default="30/min")
# int, default 50: items per page of an API list unless the client asks for page_size (at most 100).
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
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

# --- backup: new settings ---
# PORTAL_VERSION: str, default "" (then the git commit of the code, when it can be read). The release's
# version or commit, written into each backup's manifest (`manage.py backup`) beside the migrations.
PORTAL_VERSION = env.str("PORTAL_VERSION", default="")
# --- hooks: new settings ---
# WEBHOOK_TIMEOUT_SECONDS (float, default 10): seconds a webhook receiver has for one attempt, from
# connecting to the end of its answer; a slower one counts as a failed attempt (retried).
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# WEBHOOK_MAX_ATTEMPTS (int, default 14): attempts of one delivery before it is given up (staff can
# send it again); the waits between them grow exponentially (core.jobs: 1, 2, 4 ... min, at most
# 4 h), so 14 attempts retry for about a day.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=14)
# WEBHOOK_LEASE_SECONDS (int, default 60): a worker's claim on one delivery; after a worker dies,
# another takes the delivery over this long after. Must exceed WEBHOOK_TIMEOUT_SECONDS.
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=60)
# WEBHOOK_CA_FILE (path, default "": the system's trusted CAs): a PEM bundle of the CAs whose
# certificates webhook receivers may present (tests: the test's own CA).
WEBHOOK_CA_FILE = env.str("WEBHOOK_CA_FILE", default="")
# WEBHOOK_TEST_ALLOWED_ADDRESSES (list, default empty; NOT read from the environment): exact
# non-public addresses a webhook may still reach. Tests only (a receiver on 127.0.0.1).
WEBHOOK_TEST_ALLOWED_ADDRESSES: list[str] = []
# OPEN_DATA_PUBLISHER_NAME (str, default "Rijksdienst voor Ondernemend Nederland"), and
# OPEN_DATA_PUBLISHER_URI (URL, default the RVO's organisation URI in the government's list of
# organisations): the dct:publisher of the open-data catalogue (/open-data/catalog.jsonld).
OPEN_DATA_PUBLISHER_NAME = env.str("OPEN_DATA_PUBLISHER_NAME", default="Rijksdienst voor Ondernemend Nederland")
OPEN_DATA_PUBLISHER_URI = env.str(
    "OPEN_DATA_PUBLISHER_URI",
    default="https://standaarden.overheid.nl/owms/terms/Rijksdienst_voor_Ondernemend_Nederland",
)
# Beat: turn new audit events into webhook deliveries (also triggered on commit) and send due ones.
CELERY_BEAT_SCHEDULE["webhooks-dispatch"] = {"task": "webhooks.tasks.webhooks_dispatch", "schedule": 60.0}
