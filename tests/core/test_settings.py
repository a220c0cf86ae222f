"""Settings read from the environment: bad values stop the start, named."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from saas_manager.core.environment import Environment, redact_url

PROJECT_DIR = Path(__file__).resolve().parents[2]
# The variables that settings.py reads. They are removed from the environment
# of the test run, so that each case reads only the values it sets.
READ_VARIABLES = [
    line.lstrip("# ").partition("=")[0]
    for line in (PROJECT_DIR / ".env.example").read_text().splitlines()
    if "=" in line and line.lstrip("# ").partition("=")[0].isupper()
]


def _check(tmp_path, **variables) -> subprocess.CompletedProcess:
    """Run `python -m saas_manager check` in tmp_path with these variables."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in READ_VARIABLES and name != "DJANGO_SETTINGS_MODULE"
    }
    environment["DATA_DIR"] = str(tmp_path / "data")
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "-m", "saas_manager", "check"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_read_variables_listed():
    assert "TIME_ZONE" in READ_VARIABLES
    assert "FIELD_ENCRYPTION_KEY" in READ_VARIABLES
    assert "DATA_DIR" not in READ_VARIABLES


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "TIME_ZONE",
            "Mars/Olympus",
            "TIME_ZONE is 'Mars/Olympus'; expected an IANA time zone such as "
            "Europe/Brussels or UTC.",
        ),
        ("TIME_ZONE", "", "TIME_ZONE is ''; expected an IANA time zone"),
        ("TIME_ZONE", "Europe", "TIME_ZONE is 'Europe'; expected an IANA"),
        ("TIME_ZONE", "../../etc/passwd", "TIME_ZONE is '../../etc/passwd'"),
        (
            "DATABASE_URL",
            "nonsense",
            "DATABASE_URL is 'nonsense'; expected postgres://user:password@host"
            ":5432/name or sqlite:///path/to/file.sqlite3.",
        ),
        ("DATABASE_URL", "mysql://root@127.0.0.1/shop", "DATABASE_URL is 'mysql:"),
        ("DATABASE_URL", "postgres://127.0.0.1:5432/", "expected a database name"),
        ("DATABASE_URL", "postgres://127.0.0.1:99999/db", "DATABASE_URL is 'postgres:"),
        ("EMAIL_URL", "smtp://mail.example:0", "expected a port from 1 to 65535"),
        (
            "EMAIL_TIMEOUT",
            "abc",
            "EMAIL_TIMEOUT is 'abc'; expected a whole number of seconds from 1 to 600.",
        ),
        ("EMAIL_TIMEOUT", "0", "EMAIL_TIMEOUT is '0'; expected a whole number"),
        (
            "IMPORT_MAX_UPLOAD_BYTES",
            "20MB",
            "IMPORT_MAX_UPLOAD_BYTES is '20MB'; expected a whole number of bytes "
            "from 1024 to 1073741824.",
        ),
        ("IMPORT_MAX_UPLOAD_BYTES", "-5", "IMPORT_MAX_UPLOAD_BYTES is '-5'"),
        ("IMPORT_MAX_UPLOAD_BYTES", "20_000_000", "IMPORT_MAX_UPLOAD_BYTES is '20_"),
        (
            "LOG_LEVEL",
            "LOUD",
            "LOG_LEVEL is 'LOUD'; expected one of DEBUG, INFO, WARNING, ERROR, "
            "CRITICAL.",
        ),
        ("EMAIL_URL", "bogus://x", "EMAIL_URL is 'bogus://x'; expected consolemail"),
        ("EMAIL_URL", "smtp://mail:abc", "EMAIL_URL is 'smtp://mail:abc'"),
        ("EMAIL_URL", "smtp://", "expected a mail server host"),
        ("DEBUG", "maybe", "DEBUG is 'maybe'; expected true or false"),
        ("DEBUG", "", "DEBUG is ''; expected true or false"),
        (
            "AUTOMATION_INTERVAL_MINUTES",
            "0",
            "AUTOMATION_INTERVAL_MINUTES is '0'; expected a whole number of "
            "minutes from 1 to 1440.",
        ),
        (
            "NOTIFICATION_MAX_ATTEMPTS",
            "-1",
            "NOTIFICATION_MAX_ATTEMPTS is '-1'; expected a whole number of "
            "attempts from 1 to 20.",
        ),
        ("NOTIFICATION_FIRST_RETRY_MINUTES", "0", "NOTIFICATION_FIRST_RETRY_MIN"),
        ("TASK_QUEUE_URL", "amqp://127.0.0.1", "TASK_QUEUE_URL is 'amqp://127."),
        ("SECRET_KEY", " ", "SECRET_KEY is empty; expected a secret value."),
        ("DEFAULT_FROM_EMAIL", "billing", "DEFAULT_FROM_EMAIL is 'billing'"),
        ("DEFAULT_FROM_EMAIL", "Billing <b@x.example>", "expected an e-mail address"),
        ("PHONENUMBER_DEFAULT_REGION", "XX", "PHONENUMBER_DEFAULT_REGION is 'XX'"),
    ],
)
def test_bad_variable_stops_check(tmp_path, name, value, message):
    result = _check(tmp_path, **{name: value})

    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_data_dir_stops_check(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")

    result = _check(tmp_path, DATA_DIR=str(blocker / "data"))

    assert result.returncode != 0
    assert f"DATA_DIR is '{blocker / 'data'}'; expected a folder" in result.stderr


def test_database_password_not_shown(tmp_path):
    result = _check(tmp_path, DATABASE_URL="postgres://app:hunter2@db:port/app")

    assert result.returncode != 0
    assert "postgres://app:***@db:port/app" in result.stderr
    assert "hunter2" not in result.stderr


def test_default_values_pass(tmp_path):
    result = _check(tmp_path)

    assert result.returncode == 0, result.stderr
    assert "System check identified" in result.stderr


def test_good_values_pass(tmp_path):
    result = _check(
        tmp_path,
        DEBUG="on",
        TIME_ZONE="America/New_York",
        DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}",
        EMAIL_URL="smtp+tls://mailer:secret@127.0.0.1:587",
        EMAIL_TIMEOUT="600",
        IMPORT_MAX_UPLOAD_BYTES="1024",
        LOG_LEVEL="warning",
        AUTOMATION_INTERVAL_MINUTES="1440",
        NOTIFICATION_MAX_ATTEMPTS="20",
        NOTIFICATION_FIRST_RETRY_MINUTES="1",
        TASK_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        DEFAULT_FROM_EMAIL="billing@operator.example",
        PHONENUMBER_DEFAULT_REGION="be",
        ALLOWED_HOSTS="backoffice.example, 127.0.0.1",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_postgres_url_passes(tmp_path):
    result = _check(
        tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/saas_manager"
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        (" 1 ", True),
        ("yes", True),
        ("on", True),
        ("false", False),
        ("0", False),
        ("No", False),
        ("off", False),
    ],
)
def test_boolean_words(word, expected):
    env = Environment({"DEBUG": word})

    assert env.boolean("DEBUG", default=not expected) is expected


@pytest.mark.parametrize("word", ["maybe", "", "2", "y", "enabled"])
def test_boolean_rejects_other_words(word):
    env = Environment({"DEBUG": word})

    with pytest.raises(ImproperlyConfigured) as error:
        env.boolean("DEBUG", default=False)

    assert str(error.value).startswith(f"DEBUG is {word!r}; expected true or false")


def test_boolean_default_when_unset():
    assert Environment({}).boolean("DEBUG", default=True) is True


@pytest.mark.parametrize("raw", ["1", "15", "+15", " 1440 "])
def test_integer_in_range(raw):
    env = Environment({"INTERVAL": raw})

    value = env.integer("INTERVAL", 15, minimum=1, maximum=1440, unit="minutes")

    assert value == int(raw)


@pytest.mark.parametrize(
    "raw", ["0", "1441", "-1", "1.5", "1e3", "\u0661\u0665", "", "99" * 20]
)
def test_integer_out_of_range(raw):
    env = Environment({"INTERVAL": raw})

    with pytest.raises(ImproperlyConfigured) as error:
        env.integer("INTERVAL", 15, minimum=1, maximum=1440, unit="minutes")

    assert str(error.value) == (
        f"INTERVAL is {raw!r}; expected a whole number of minutes from 1 to 1440."
    )


def test_log_level_any_case():
    env = Environment({"LOG_LEVEL": "debug"})

    assert env.log_level("LOG_LEVEL", "INFO") == "DEBUG"


def test_database_url_supported_engines():
    env = Environment({"DATABASE_URL": "postgresql://app@db.internal/app"})

    config = env.database_url("DATABASE_URL", "sqlite:///x")

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "app"


def test_email_url_sets_tls():
    env = Environment({"EMAIL_URL": "smtp+tls://user:secret@mail.example:587"})

    config = env.email_url("EMAIL_URL", "consolemail://")

    assert config["EMAIL_HOST"] == "mail.example"
    assert config["EMAIL_PORT"] == 587
    assert config["EMAIL_USE_TLS"] is True


def test_email_url_password_not_shown():
    env = Environment({"EMAIL_URL": "bogus://user:secret@mail.example"})

    with pytest.raises(ImproperlyConfigured) as error:
        env.email_url("EMAIL_URL", "consolemail://")

    assert "bogus://user:***@mail.example" in str(error.value)
    assert "secret" not in str(error.value)


def test_redact_url_without_password_unchanged():
    url = "postgres://postgres@127.0.0.1:5432/app"

    assert redact_url(url) == url


def test_string_list_drops_empty_items():
    env = Environment({"ALLOWED_HOSTS": " a.example, ,b.example,"})

    assert env.string_list("ALLOWED_HOSTS", []) == ["a.example", "b.example"]
