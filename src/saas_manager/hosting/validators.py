"""Validation of database names, host names, server URLs and Odoo versions."""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The schemes a server's base URL may use: Odoo serves its web client and its
# external API over HTTP only.
SERVER_URL_SCHEMES = ("http", "https")

# Matched with fullmatch: a pattern ending in $ also accepts a final newline,
# and \d also accepts digits of other scripts, such as Arabic-Indic ones.
_DNS_LABEL = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
_HOSTNAME_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_ODOO_VERSION = re.compile(r"(?:saas~)?[0-9]{1,2}\.[0-9]{1,2}")


def validate_database_name(value: str) -> None:
    """Accept a DNS label: 3 to 63 lowercase letters, digits and hyphens.

    The name is also the instance's subdomain, so it cannot start or end with
    a hyphen.
    """
    if not _DNS_LABEL.fullmatch(value):
        raise ValidationError(
            _(
                "%(value)s is not a valid database name. Expected 3 to 63 "
                "lowercase letters, digits and hyphens, starting and ending "
                "with a letter or digit."
            ),
            code="invalid_database_name",
            params={"value": value},
        )


def normalize_hostname(value: str) -> str:
    """Return the host name in lowercase, without surrounding spaces.

    DNS names are case-insensitive, so erp.Example.com is erp.example.com.
    """
    return (value or "").strip().lower()


def validate_hostname(value: str) -> None:
    """Accept a fully qualified host name such as erp.example.com."""
    labels = value.split(".")
    valid = (
        len(value) <= 253
        and len(labels) >= 2
        and all(_HOSTNAME_LABEL.fullmatch(label) for label in labels)
        and not labels[-1].isdigit()
    )
    if not valid:
        raise ValidationError(
            _(
                "%(value)s is not a valid domain name. Expected a lowercase host "
                "name such as erp.example.com."
            ),
            code="invalid_hostname",
            params={"value": value},
        )


def validate_server_url(value: str) -> None:
    """Accept an http or https URL that carries no user name or password.

    Credentials in a URL would be stored as plain text, in the server and in
    its history, and shown on every page that lists it. The server's master
    password field is where a secret is stored, encrypted.
    """
    try:
        parts = urlsplit(value)
        has_credentials = parts.username is not None or parts.password is not None
    except ValueError:
        # URLField's own validator reports a URL that cannot be parsed.
        return
    if parts.scheme.lower() not in SERVER_URL_SCHEMES:
        raise ValidationError(
            _(
                "%(value)s uses the scheme %(scheme)s. Expected an http:// or "
                "https:// URL such as https://node-1.example.com."
            ),
            code="invalid_scheme",
            params={"value": value, "scheme": parts.scheme or "(none)"},
        )
    if has_credentials:
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        masked = parts._replace(netloc=f"***@{host}").geturl()
        raise ValidationError(
            _(
                "%(value)s contains a user name or password. Expected a URL "
                "without them, such as %(expected)s. Store the Odoo master "
                "password in its own field, where it is encrypted."
            ),
            code="url_with_credentials",
            params={"value": masked, "expected": parts._replace(netloc=host).geturl()},
        )


def validate_odoo_version(value: str) -> None:
    """Accept an Odoo series such as 17.0, 18.0 or saas~18.3."""
    if not _ODOO_VERSION.fullmatch(value):
        raise ValidationError(
            _(
                "%(value)s is not an Odoo version. Expected a series such as "
                "17.0, 18.0 or saas~18.3."
            ),
            code="invalid_odoo_version",
            params={"value": value},
        )


def parse_odoo_versions(value: str) -> list[str]:
    """Split a comma-separated list of Odoo versions, validating each one.

    A version listed twice is kept once, in the place where it first appears.
    """
    versions = [part.strip() for part in value.split(",") if part.strip()]
    for version in versions:
        validate_odoo_version(version)
    return list(dict.fromkeys(versions))


def validate_odoo_version_list(value: str) -> None:
    """Accept a comma-separated list of Odoo versions such as 17.0, 18.0."""
    parse_odoo_versions(value)
