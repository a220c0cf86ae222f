"""Settings for every environment, read from environment variables.

Each variable is listed with its default in `.env.example`. A `.env` file in
the working directory is read when present; real environment variables win.
"""

import base64
import hashlib
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent

env = environ.Env()
environ.Env.read_env(Path.cwd() / ".env", overwrite=False)

DATA_DIR = Path(env.str("DATA_DIR", default=str(PROJECT_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
# The default key is for a development machine only; check core.W001 reports it
# when DEBUG is off.
INSECURE_SECRET_KEY = "insecure-development-key-change-me"
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

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
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'saas_manager.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing at once with
    # "database is locked" while the worker and the web server both write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = True
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
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Brussels")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(PROJECT_DIR / "staticfiles")))
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
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="billing@localhost")

# Seconds an SMTP connection may take before the attempt counts as failed.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# The first values of the operator settings; Managers change them later in the
# back office. Check automation.E001 reports a value that is not valid.
OPERATOR_DEFAULTS = {
    name: env.str(name, default=default)
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
# delay grows fivefold) and marked failed after the last attempt.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
NOTIFICATION_FIRST_RETRY_MINUTES = env.int(
    "NOTIFICATION_FIRST_RETRY_MINUTES", default=1
)

# The background worker (Huey). Its queue is an SQLite file in DATA_DIR unless
# TASK_QUEUE_URL names a Redis server, such as redis://127.0.0.1:6379/0.
TASK_QUEUE_URL = env.str("TASK_QUEUE_URL", default="")
AUTOMATION_INTERVAL_MINUTES = env.int("AUTOMATION_INTERVAL_MINUTES", default=15)
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
FIELD_ENCRYPTION_KEY = env.str(
    "FIELD_ENCRYPTION_KEY",
    default=base64.urlsafe_b64encode(
        hashlib.sha256(SECRET_KEY.encode()).digest()
    ).decode(),
)
FIELD_ENCRYPTION_KEY_FROM_ENVIRONMENT = "FIELD_ENCRYPTION_KEY" in env.ENVIRON

# Uploads larger than this are rejected before they are read.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

PHONENUMBER_DEFAULT_REGION = env.str("PHONENUMBER_DEFAULT_REGION", default=None)
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
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

from saas_manager.core.unfold import UNFOLD  # noqa: E402, F401
