"""Settings for supportdesk, read from the environment (see README, "Configuration")."""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

# The development key is only accepted while DEBUG is on.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_fsm",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "audit",
    "workflow",
    "customers",
    "attachments",
    "outbox",
    "instructions",
    "calls",
    "vendor",
    "solutions",
    "tickets",
    "mailin",
    "capa",
    "reports",
    "reminders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    "supportdesk.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "supportdesk.middleware.RefuseNulMiddleware",  # after auth: its 400 page shows the signed-in header
    "supportdesk.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "supportdesk.urls"

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
                "accounts.context_processors.role_flags",
            ],
        },
    },
]

WSGI_APPLICATION = "supportdesk.wsgi.application"

# Forms ({{ form }}) and Django's widgets in Jinja2, other widgets in the template language
# (supportdesk/renderers.py).
FORM_RENDERER = "supportdesk.renderers.FormRenderer"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        # A kept connection the database dropped (restart, failover) is replaced, not answered with a 500.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue up (BEGIN IMMEDIATE) instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Attachments (R16, DESIGN §9 "Files"; README "Files"): a folder on disk by default, beside the
# SQLite database; an S3-compatible object store (django-storages) when SUPPORTDESK_S3_BUCKET is set,
# so several app servers share the files.
SUPPORTDESK_MEDIA_ROOT = Path(os.environ.get("SUPPORTDESK_MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_ROOT = SUPPORTDESK_MEDIA_ROOT
MEDIA_URL = "/media/"  # never served by URL: every download checks the reader's right to the ticket
SUPPORTDESK_MAX_UPLOAD_MB = env_int("SUPPORTDESK_MAX_UPLOAD_MB", 20)
SUPPORTDESK_S3_BUCKET = os.environ.get("SUPPORTDESK_S3_BUCKET", "")
if SUPPORTDESK_S3_BUCKET:
    FILE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": SUPPORTDESK_S3_BUCKET,
            "endpoint_url": os.environ.get("SUPPORTDESK_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("SUPPORTDESK_S3_REGION") or None,
            "access_key": os.environ.get("SUPPORTDESK_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("SUPPORTDESK_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("SUPPORTDESK_S3_PREFIX", ""),
            "default_acl": None,  # the bucket's own policy: private
            "querystring_auth": True,
            "file_overwrite": False,  # a stored file is never replaced (R16)
        },
    }
else:
    FILE_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}  # in MEDIA_ROOT
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
STORAGES = {
    "default": FILE_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# E-mail: console in development; SMTP when DJANGO_EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "supportdesk@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Used to build links in e-mails; the address people open supportdesk with.
SITE_URL = os.environ.get("SUPPORTDESK_SITE_URL", "http://127.0.0.1:8000")
# The outbox (R17, DESIGN §9 "E-mail out"; README "E-mail out"): every mail is written to it and
# delivered after commit and by `manage.py send_outbox`. A mail server that does not answer within
# EMAIL_TIMEOUT seconds counts as a failed attempt; after SUPPORTDESK_OUTBOX_ATTEMPTS attempts
# (retried after 1, 5, 15, 60, 240 minutes) the mail is `failed`. Message-IDs end in
# @SUPPORTDESK_MAIL_DOMAIN, the same on every app server, so replies find their ticket.
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10)
SUPPORTDESK_OUTBOX_ATTEMPTS = env_int("SUPPORTDESK_OUTBOX_ATTEMPTS", 5)
SUPPORTDESK_MAIL_DOMAIN = os.environ.get("SUPPORTDESK_MAIL_DOMAIN") or (
    DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"
)
# E-mail in (DESIGN §9 "E-mail in"; README "E-mail in"): `manage.py fetch_mail` reads the mailbox
# SUPPORTDESK_MAIL_SOURCE (imaps://user:password@host[:port]/INBOX, imap://…, maildir:///path) acting
# as the user SUPPORTDESK_MAIL_USER (a support account, or `--by`). Mail from
# SUPPORTDESK_VENDOR_MAIL_DOMAIN (SIC's domain; empty: the domain of SIC's e-mail address) naming a
# known vendor reference becomes a vendor contact on its tickets.
SUPPORTDESK_MAIL_SOURCE = os.environ.get("SUPPORTDESK_MAIL_SOURCE", "")
SUPPORTDESK_MAIL_USER = os.environ.get("SUPPORTDESK_MAIL_USER", "")
SUPPORTDESK_VENDOR_MAIL_DOMAIN = os.environ.get("SUPPORTDESK_VENDOR_MAIL_DOMAIN", "").strip().lower()

# Production hardening; on automatically when DEBUG is off.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Sign-in protection (R18, DESIGN §11; README "Sign-in protection").
SUPPORTDESK_LOGIN_ATTEMPTS = env_int("SUPPORTDESK_LOGIN_ATTEMPTS", 5)
SUPPORTDESK_LOCKOUT_SECONDS = env_int("SUPPORTDESK_LOCKOUT_SECONDS", 900)
SUPPORTDESK_SESSION_IDLE_SECONDS = env_int("SUPPORTDESK_SESSION_IDLE_SECONDS", 1800)
SUPPORTDESK_TOKEN_SECONDS = env_int("SUPPORTDESK_TOKEN_SECONDS", 28800)
SUPPORTDESK_REQUIRE_2FA_ROLES = env_list("SUPPORTDESK_REQUIRE_2FA_ROLES", "")
AUTHENTICATION_BACKENDS = [
    "accounts.lockout.LockoutBackend",  # django-axes: refuses a locked-out username first
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = SUPPORTDESK_LOGIN_ATTEMPTS
AXES_COOLOFF_TIME = datetime.timedelta(seconds=SUPPORTDESK_LOCKOUT_SECONDS)
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 wants the address in the lock: that would lock out a whole office behind one address,
# while rotating user agents or cookies gains nothing against a lock by username.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# The lock-out lasts its window from the last counted failure; refused attempts do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.own_answer"
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are recorded as audit.SignInEvent (R13)
AXES_VERBOSE = False
SESSION_COOKIE_AGE = SUPPORTDESK_SESSION_IDLE_SECONDS  # renewed by accounts.middleware.IdleSessionMiddleware
OTP_TOTP_ISSUER = "supportdesk"

# Content-Security-Policy (DESIGN §11): scripts and styles only from supportdesk's own static files,
# no inline script, no eval (htmx is configured without it in base.html), nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_DATE_INDEX = "Composite"

REST_FRAMEWORK = {
    # Token first: an unauthenticated request then gets 401 with a WWW-Authenticate challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.CanRead"],
    "DEFAULT_PAGINATION_CLASS": "supportdesk.api.Pagination",
    "DEFAULT_PARSER_CLASSES": [
        "supportdesk.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "supportdesk.schema.AutoSchema",
    "EXCEPTION_HANDLER": "supportdesk.api.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "supportdesk API",
    "DESCRIPTION": (
        "Telefon-Support für SIC SaniVision: Vorgänge, Kunden, Programmwünsche. Anmeldung mit Token "
        "(`POST /api/v1/auth/token/`, dann `Authorization: Token …`) oder Sitzung. Fehler sind JSON: "
        '`{"detail": "…"}` oder die Fehler je Feld. Listen kommen seitenweise (`count`, `next`, '
        "`previous`, `results`). Gelöscht wird nichts: DELETE antwortet auf jeder URL der API mit 405."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs need a login like everything else (DESIGN §7).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Several models have a `state` or `kind`; name their enums in the schema (check --deploy stays clean).
    "ENUM_NAME_OVERRIDES": {
        "TicketStateEnum": "tickets.models.State",
        "RiskReviewStateEnum": "tickets.models.RiskReview.State",
        "ProgramRequestStateEnum": "vendor.models.ProgramRequest.State",
        "NotificationKindEnum": "tickets.models.NotificationKind",
        "NotificationChannelEnum": "tickets.models.Channel",
        "VendorContactChannelEnum": "vendor.models.VendorContact.Channel",
        "ProgramRequestKindEnum": "vendor.models.ProgramRequest.Kind",
        "KnownSolutionKindEnum": "solutions.models.KnownSolution.Kind",
        "KnownSolutionStatusEnum": "solutions.models.KnownSolution.State",
        "CapaStateEnum": "capa.models.CapaProposal.State",
        "WorkInstructionRevisionStateEnum": "instructions.models.WorkInstructionRevision.State",
        "WorkInstructionMeaningEnum": "instructions.models.WorkInstructionRevision.Meaning",
        "ReportChannelEnum": "tickets.models.ReportChannel",
        "TicketLinkKindEnum": "tickets.models.TicketLink.Kind",
        "ComplaintInvestigationEnum": "tickets.models.ComplaintEvaluation.Investigation",
        "VendorContactKindEnum": "vendor.models.VendorContact.Kind",
        "OutgoingEmailKindEnum": "outbox.models.OutgoingEmail.Kind",
        "OutgoingEmailStateEnum": "outbox.models.OutgoingEmail.State",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_refusal": {"()": "supportdesk.logs.OneLineRefusal"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["one_line_refusal"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
