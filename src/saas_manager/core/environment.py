"""Read settings from environment variables, rejecting values that are not valid.

Each reader returns the typed value of one variable, or its default when the
variable is not set, and raises ImproperlyConfigured with a message that
names the variable, its value and what is expected. settings.py imports this
module before Django is set up, so it imports no Django models and reads no
Django setting.
"""

import os
import re
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# SQLite by default and PostgreSQL in production: the tests run on both.
DATABASE_ENGINES = ("django.db.backends.sqlite3", "django.db.backends.postgresql")
DATABASE_EXAMPLE = (
    "postgres://user:password@host:5432/name or sqlite:///path/to/file.sqlite3"
)
EMAIL_SCHEMES = tuple(environ.Env.EMAIL_SCHEMES)
SMTP_SCHEMES = ("smtp", "smtps", "smtp+tls", "smtp+ssl")
TASK_QUEUE_SCHEMES = ("redis://", "rediss://", "unix://", "sqlite:///")


def redact_url(url: str) -> str:
    """Return the URL with its password replaced by ***, for messages and logs."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    if not password:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


class Environment:
    """Typed readers over a mapping of environment variables."""

    def __init__(self, variables: Mapping[str, str] | None = None) -> None:
        self.variables = os.environ if variables is None else variables

    def __contains__(self, name: str) -> bool:
        return name in self.variables

    def _raw(self, name: str, default: str) -> str:
        return self.variables.get(name, default)

    @staticmethod
    def invalid(name: str, value: str, expected: str) -> ImproperlyConfigured:
        """Build the error for a variable whose value is not what is expected."""
        return ImproperlyConfigured(f"{name} is {value!r}; expected {expected}.")

    def string(self, name: str, default: str) -> str:
        return self._raw(name, default).strip()

    def secret(self, name: str, default: str) -> str:
        """Read a value that must not be empty and is never redacted in a message."""
        value = self._raw(name, default).strip()
        if not value:
            raise ImproperlyConfigured(f"{name} is empty; expected a secret value.")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        if name not in self.variables:
            return default
        raw = self.variables[name]
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise self.invalid(name, raw, "true or false (also 1/0, yes/no, on/off)")

    def integer(
        self, name: str, default: int, *, minimum: int, maximum: int, unit: str
    ) -> int:
        """Read a whole number from `minimum` to `maximum`, both included."""
        if name not in self.variables:
            return default
        raw = self.variables[name]
        expected = f"a whole number of {unit} from {minimum} to {maximum}"
        text = raw.strip()
        # int() alone would also take "1_000" and digits of other scripts.
        if not WHOLE_NUMBER.fullmatch(text):
            raise self.invalid(name, raw, expected)
        value = int(text)
        if not minimum <= value <= maximum:
            raise self.invalid(name, raw, expected)
        return value

    def string_list(self, name: str, default: list[str]) -> list[str]:
        """Read a comma-separated list; empty items are left out."""
        if name not in self.variables:
            return list(default)
        return [
            item.strip() for item in self.variables[name].split(",") if item.strip()
        ]

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        """Read one of `choices`, in any letter case; return it as spelled there."""
        raw = self._raw(name, default)
        by_upper = {choice.upper(): choice for choice in choices}
        value = by_upper.get(raw.strip().upper())
        if value is None:
            raise self.invalid(name, raw, "one of " + ", ".join(choices))
        return value

    def log_level(self, name: str, default: str) -> str:
        """Read one of the standard library's level names, such as INFO."""
        return self.choice(name, default, LOG_LEVELS)

    def time_zone(self, name: str, default: str) -> str:
        raw = self._raw(name, default)
        expected = "an IANA time zone such as Europe/Brussels or UTC"
        value = raw.strip()
        if not value:
            raise self.invalid(name, raw, expected)
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            raise self.invalid(name, raw, expected) from None
        # Django reads its own copy of the zone from this folder where it exists.
        root = Path("/usr/share/zoneinfo")
        if root.exists() and not root.joinpath(*value.split("/")).is_file():
            raise self.invalid(name, raw, expected)
        return value

    def directory(self, name: str, default: Path) -> Path:
        """Read a folder path and create the folder when it is missing."""
        raw = self._raw(name, str(default))
        if not raw.strip():
            raise self.invalid(name, raw, "the path of a folder")
        path = Path(raw.strip())
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise self.invalid(
                name, raw, f"a folder that can be created ({error.strerror})"
            ) from None
        return path

    def database_url(self, name: str, default: str) -> dict:
        """Read a database URL into Django's DATABASES entry."""
        raw = self._raw(name, default)
        redacted = redact_url(raw.strip())
        try:
            config = environ.Env.db_url_config(raw.strip())
        except (ValueError, KeyError):
            raise self.invalid(name, redacted, DATABASE_EXAMPLE) from None
        if config.get("ENGINE") not in DATABASE_ENGINES:
            raise self.invalid(name, redacted, DATABASE_EXAMPLE)
        self._check_port(name, redacted, config.get("PORT"), DATABASE_EXAMPLE)
        if not config.get("NAME"):
            raise self.invalid(
                name, redacted, f"a database name, as in {DATABASE_EXAMPLE}"
            )
        return config

    def email_url(self, name: str, default: str) -> dict:
        """Read a mail URL into Django's EMAIL_* settings."""
        raw = self._raw(name, default)
        redacted = redact_url(raw.strip())
        expected = (
            "consolemail:// or smtp://user:password@host:587 (also smtps://, "
            "smtp+tls://, smtp+ssl://, filemail:///path, memorymail://, dummymail://)"
        )
        scheme = raw.strip().partition("://")[0]
        if scheme not in EMAIL_SCHEMES:
            raise self.invalid(name, redacted, expected)
        try:
            config = environ.Env.email_url_config(raw.strip())
        except (ValueError, ImproperlyConfigured):
            raise self.invalid(name, redacted, expected) from None
        self._check_port(name, redacted, config.get("EMAIL_PORT"), expected)
        if scheme in SMTP_SCHEMES and not config.get("EMAIL_HOST"):
            raise self.invalid(name, redacted, f"a mail server host, as in {expected}")
        return config

    def _check_port(self, name: str, redacted: str, port, expected: str) -> None:
        if port in (None, "") or 1 <= int(port) <= 65535:
            return
        raise self.invalid(name, redacted, f"a port from 1 to 65535, as in {expected}")

    def task_queue_url(self, name: str, default: str) -> str:
        raw = self._raw(name, default)
        value = raw.strip()
        if value and not value.startswith(TASK_QUEUE_SCHEMES):
            raise self.invalid(
                name,
                redact_url(value),
                "redis://host:6379/0, rediss://..., unix://..., sqlite:///path, "
                "or nothing for an SQLite file in DATA_DIR",
            )
        return value

    def email_address(self, name: str, default: str) -> str:
        """Read a plain address such as billing@example.com.

        The operator settings' sender address starts as this value, and that
        field takes no display name, so neither does this reader.
        """
        raw = self._raw(name, default)
        value = raw.strip()
        local, at, domain = value.partition("@")
        forbidden = set(" \t<>,@")
        if not (local and at and domain) or forbidden & set(local + domain):
            raise self.invalid(
                name, raw, "an e-mail address such as billing@example.com"
            )
        return value

    def region(self, name: str) -> str | None:
        """Read a two-letter region code such as BE, or None when not set."""
        import phonenumbers

        raw = self._raw(name, "")
        value = raw.strip().upper()
        if not value:
            return None
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise self.invalid(name, raw, "a two-letter region code such as BE or US")
        return value
