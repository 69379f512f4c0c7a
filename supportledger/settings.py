"""Settings, read from the environment.

Every value has a default that is safe for ``make run`` on one machine:
SQLite under ``var/`` when ``DATABASE_URL`` is unset, DEBUG off, only
loopback hosts allowed, a secret key generated once into ``var/secret_key``.
Production (``SUPPORTLEDGER_HTTPS=1``) must set ``SECRET_KEY``,
``ALLOWED_HOSTS`` (no ``*``) and ``SUPPORTLEDGER_SITE_URL``, or it refuses to
start; it also sets ``DATABASE_URL`` (PostgreSQL) and the mail settings
(docs/security.md).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SUPPORTLEDGER_VAR_DIR", BASE_DIR / "var"))


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# Production mode: HTTPS in front, secure cookies, and no guessed defaults.
PRODUCTION = _flag("SUPPORTLEDGER_HTTPS")


def _require_production_settings() -> None:
    """Refuse to start in production on a per-machine key or an open host list."""
    missing = [
        name
        for name in ("SECRET_KEY", "ALLOWED_HOSTS", "SUPPORTLEDGER_SITE_URL")
        if not os.environ.get(name, "").strip()
    ]
    if missing:
        raise ImproperlyConfigured(
            "Production mode (SUPPORTLEDGER_HTTPS=1) needs " + ", ".join(missing) + " set."
        )
    if "*" in _list("ALLOWED_HOSTS", ""):
        raise ImproperlyConfigured("ALLOWED_HOSTS: name the hosts; '*' is refused in production.")


if PRODUCTION:
    _require_production_settings()

SECRET_KEY = _secret_key()
DEBUG = _flag("DEBUG")
ALLOWED_HOSTS = _list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
# The address people reach the site at: links in mail (password reset) are
# built from it, never from the request's Host header.
SITE_URL = os.environ.get("SUPPORTLEDGER_SITE_URL", "http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = _list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "supportledger.customers.admin_apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "supportledger.core",
    "supportledger.catalog",
    "supportledger.customers",
    "supportledger.entitlements",
    "supportledger.desk",
    "supportledger.console",
    "supportledger.demo",
    "supportledger.portal",
    "supportledger.service",
    "supportledger.intake",
    "supportledger.mail",
    "ninja",
    "supportledger.api",
    "django_tasks",
    "django_tasks_db",
    "supportledger.billing",
    "supportledger.jobs",
    "axes",
    "supportledger.ops",
    "supportledger.imports",
    # htmx for the console's pickers: request.htmx, and htmx itself as a
    # static file pinned with the package (django_htmx/htmx-2.min.js).
    "django_htmx",
]

# Roles come from the permission matrix (supportledger.customers.permissions)
# through the ``rules`` backend; django-axes counts failed logins first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

MIDDLEWARE = [
    "supportledger.ops.requests.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "supportledger.core.middleware.StripControlCharactersMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "supportledger.console.middleware.VendorTimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "supportledger.portal.middleware.ContentSecurityPolicyMiddleware",
    "supportledger.core.middleware.NoStoreMiddleware",
    "supportledger.console.second_factor.StaffSecondFactorMiddleware",
    "supportledger.console.matrix.ConsoleRoleMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "supportledger.urls"
WSGI_APPLICATION = "supportledger.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

# --- Database -------------------------------------------------------------
# SQLite in WAL mode with IMMEDIATE transactions: writers queue on the
# database lock at BEGIN instead of failing half-way through a transaction.
# Connections persist for a minute on both databases (opening an SQLite
# connection and registering Django's functions on it costs more than a
# page's queries); ``init_command`` runs on each new connection, so every
# one has its pragmas.
# The same options whether SQLite is the default or named by a sqlite:// URL.
_SQLITE_PATH = VAR_DIR / "supportledger.sqlite3"
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(_SQLITE_PATH),
            "CONN_MAX_AGE": 60,
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages ------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("bg", "Български"),
    ("hu", "Magyar"),
    ("el", "Ελληνικά"),
    ("ru", "Русский"),
    ("pl", "Polski"),
]
# Each app carries its own catalogues in <app>/locale.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploaded files (attachments, release files) live outside any served
# directory; they are only ever handed out by views that check access.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Background jobs --------------------------------------------------------
# Jobs are rows in the database; `supportledger worker` claims them with row locks.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- National e-invoices --------------------------------------------------
# Connectors to the tax services, per seller country; absent = the national
# documents are kept and downloadable only. Credentials come from the
# environment, never from the database (docs/invoices.md).
EINVOICE_CONNECTORS: dict[str, dict[str, str]] = {}
if os.environ.get("MYDATA_URL"):
    EINVOICE_CONNECTORS["GR"] = {
        "url": os.environ["MYDATA_URL"],
        "user_id": os.environ.get("MYDATA_USER_ID", ""),
        "subscription_key": os.environ.get("MYDATA_SUBSCRIPTION_KEY", ""),
    }
if os.environ.get("NAV_URL"):
    EINVOICE_CONNECTORS["HU"] = {
        "url": os.environ["NAV_URL"],
        "login": os.environ.get("NAV_LOGIN", ""),
        "password": os.environ.get("NAV_PASSWORD", ""),
        "signature_key": os.environ.get("NAV_SIGNATURE_KEY", ""),
        "tax_number": os.environ.get("NAV_TAX_NUMBER", ""),
        "exchange_key": os.environ.get("NAV_EXCHANGE_KEY", ""),
    }
if os.environ.get("KSEF_URL"):
    EINVOICE_CONNECTORS["PL"] = {
        "url": os.environ["KSEF_URL"],
        "nip": os.environ.get("KSEF_NIP", ""),
        "token": os.environ.get("KSEF_TOKEN", ""),
    }

# --- Mail -----------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "support@localhost")
SERVICE_SESSION_CODE_MINUTES = int(os.environ.get("SERVICE_SESSION_CODE_MINUTES", "10"))
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Customer portal (ASVS L2): sessions end 8 hours after login or with the
# browser; login and password-reset throttling live in supportledger.portal.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOGIN_URL = "/portal/login/"
# Password-reset links (portal) are valid for one hour.
PASSWORD_RESET_TIMEOUT = 60 * 60

# Failed logins (console, admin, portal) are counted by django-axes: per
# account (the name typed, known or not) and per address, with the address
# allowed more failures than an account (supportledger.core.login_throttle),
# so one office behind one address is not locked out by a few typos.
AXES_HANDLER = "supportledger.core.login_throttle.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = 5
AXES_ADDRESS_FAILURE_LIMIT = 20
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "supportledger.core.login_throttle.lockout_response"
AXES_USERNAME_CALLABLE = "supportledger.core.login_throttle.username_of"
AXES_CLIENT_IP_CALLABLE = "supportledger.core.login_throttle.address_of"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Staff with administrator rights must use a second factor in production.
STAFF_SECOND_FACTOR_REQUIRED = PRODUCTION
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    LANGUAGE_COOKIE_SECURE = True

# Logs are JSON lines on stderr (``LOG_FORMAT=text`` for plain lines), each
# with the request id of the request it was written in; one line per request
# from ``supportledger.requests`` (at INFO).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "supportledger.ops.requests.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "text" if os.environ.get("LOG_FORMAT") == "text" else "json",
        }
    },
    "loggers": {
        "supportledger.requests": {"level": os.environ.get("REQUEST_LOG_LEVEL", "INFO")},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
