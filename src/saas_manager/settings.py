"""Settings for every environment, read from environment variables.

Each variable is listed with its default in `.env.example`. A `.env` file in
the working directory is read when present; real environment variables win.
A value that is not valid stops the start with ImproperlyConfigured, whose
message names the variable, its value and what is expected.
"""

import base64
import hashlib
from pathlib import Path

import environ

from saas_manager.core.environment import Environment

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent

environ.Env.read_env(Path.cwd() / ".env", overwrite=False)
env = Environment()

DATA_DIR = env.directory("DATA_DIR", default=PROJECT_DIR / "var")

DEBUG = env.boolean("DEBUG", default=False)
# The default key is for a development machine only; check core.W001 reports it
# when DEBUG is off.
INSECURE_SECRET_KEY = "insecure-development-key-change-me"
SECRET_KEY = env.secret("SECRET_KEY", default=INSECURE_SECRET_KEY)
ALLOWED_HOSTS = env.string_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.string_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.inlines",
    "unfold.contrib.import_export",
    "unfold.contrib.simple_history",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    # Before import_export, whose own `import` command this app's replaces:
    # of two apps with a command of the same name, Django runs the earlier's.
    "saas_manager.imports",
    "import_export",
    "django_countries",
    "phonenumber_field",
    "saas_manager.core",
    "saas_manager.customers",
    "saas_manager.catalog",
    "saas_manager.hosting",
    "saas_manager.billing",
    "saas_manager.automation",
    "saas_manager.notifications",
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "saas_manager.urls"
WSGI_APPLICATION = "saas_manager.wsgi.application"

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

DATABASES = {
    "default": env.database_url(
        "DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'saas_manager.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait up to 20 s for each other instead of failing at once
    # with "database is locked" while the worker and the web server both
    # write, and in WAL mode pages keep reading while one of them writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )
# Requests are not wrapped in one transaction: with SQLite each would take
# the write lock, even to read. Every write path opens its own.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("de", "German"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("pt", "Portuguese"),
]
# The operator's time zone: every business date (today, due dates, periods)
# is the date here, while timestamps are stored in UTC.
TIME_ZONE = env.time_zone("TIME_ZONE", default="Europe/Brussels")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.string("STATIC_ROOT", default=str(PROJECT_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"

LOGIN_URL = "admin:login"
# The admin's sign-in form sends no "next" field in django-unfold 0.91, so
# without this a sign-in at /admin/login/ lands on /accounts/profile/.
LOGIN_REDIRECT_URL = "admin:index"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.email_address(
    "DEFAULT_FROM_EMAIL", default="billing@localhost"
)

# Seconds an SMTP connection may take before the attempt counts as failed.
EMAIL_TIMEOUT = env.integer(
    "EMAIL_TIMEOUT", default=30, minimum=1, maximum=600, unit="seconds"
)

# The first values of the operator settings; Managers change them later in the
# back office. Check automation.E001 reports a value that is not valid.
OPERATOR_DEFAULTS = {
    name: env.string(name, default=default)
    for name, default in {
        "GRACE_PERIOD_DAYS": "7",
        "TRIAL_REMINDER_DAYS": "7,3,1",
        "PAYMENT_REMINDER_DAYS": "7",
        "AUTO_TERMINATION_ENABLED": "false",
        "TERMINATION_WARNING_DAYS": "30",
        "TERMINATION_DAYS": "45",
        "PROVISIONING_TIMEOUT_HOURS": "2",
        "PENDING_PAYMENT_DAYS": "7",
        "STORAGE_ALERT_PERCENT": "90",
        "NOTIFICATION_SENDER": DEFAULT_FROM_EMAIL,
        "STAFF_NOTIFICATION_EMAILS": "",
    }.items()
}

# A notification that fails is tried again after 1, 5, 25, ... minutes (the
# delay grows fivefold up to a day) and marked failed after the last attempt.
NOTIFICATION_MAX_ATTEMPTS = env.integer(
    "NOTIFICATION_MAX_ATTEMPTS", default=6, minimum=1, maximum=20, unit="attempts"
)
NOTIFICATION_FIRST_RETRY_MINUTES = env.integer(
    "NOTIFICATION_FIRST_RETRY_MINUTES",
    default=1,
    minimum=1,
    maximum=1440,
    unit="minutes",
)

# The background worker (Huey). Its queue is an SQLite file in DATA_DIR unless
# TASK_QUEUE_URL names a Redis server, such as redis://127.0.0.1:6379/0.
TASK_QUEUE_URL = env.task_queue_url("TASK_QUEUE_URL", default="")
AUTOMATION_INTERVAL_MINUTES = env.integer(
    "AUTOMATION_INTERVAL_MINUTES", default=15, minimum=1, maximum=1440, unit="minutes"
)
if TASK_QUEUE_URL.startswith(("redis://", "rediss://", "unix://")):
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "saas-manager",
        "url": TASK_QUEUE_URL,
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread", "flush_locks": True},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "saas-manager",
        "filename": TASK_QUEUE_URL.removeprefix("sqlite:///")
        or str(DATA_DIR / "huey.sqlite3"),
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread", "flush_locks": True},
    }

# The Fernet key that encrypts server secrets. Without one, a key is derived
# from SECRET_KEY, which check core.W002 reports outside DEBUG.
FIELD_ENCRYPTION_KEY = env.string(
    "FIELD_ENCRYPTION_KEY",
    default=base64.urlsafe_b64encode(
        hashlib.sha256(SECRET_KEY.encode()).digest()
    ).decode(),
)
FIELD_ENCRYPTION_KEY_FROM_ENVIRONMENT = "FIELD_ENCRYPTION_KEY" in env

# Uploads larger than this are rejected before they are read.
IMPORT_MAX_UPLOAD_BYTES = env.integer(
    "IMPORT_MAX_UPLOAD_BYTES",
    default=20 * 1024 * 1024,
    minimum=1024,
    maximum=1024 * 1024 * 1024,
    unit="bytes",
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

PHONENUMBER_DEFAULT_REGION = env.region("PHONENUMBER_DEFAULT_REGION")
PHONENUMBER_DB_FORMAT = "E164"

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    # Marks what the services log during `automate --dry-run` as changing nothing.
    "filters": {"dry_run": {"()": "saas_manager.automation.dry_run.DryRunFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["dry_run"],
        }
    },
    "root": {
        "handlers": ["console"],
        "level": env.log_level("LOG_LEVEL", default="INFO"),
    },
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Huey's worker adds a handler of its own to a "huey" logger that has
        # none, and every line would then be printed twice.
        "huey": {"handlers": ["console"], "propagate": False},
    },
}

from saas_manager.core.unfold import UNFOLD  # noqa: E402, F401
