"""A server's base URL, Odoo versions and master password reject bad input."""

import pytest
from django.core.exceptions import ValidationError

from saas_manager.hosting.models import MAX_MASTER_PASSWORD_LENGTH
from saas_manager.hosting.validators import parse_odoo_versions, validate_server_url
from tests.factories import ServerFactory

pytestmark = pytest.mark.django_db


def _errors(record) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    return caught.value.message_dict


@pytest.mark.parametrize(
    "url",
    ["https://node-1.example.com", "http://10.0.0.5:8069", "HTTPS://node.example/"],
)
def test_base_url_http_accepted(url):
    server = ServerFactory.build(base_url=url)

    server.full_clean()

    assert server.base_url == url


@pytest.mark.parametrize(
    "url", ["ftp://node-1.example.com", "ftps://node-1.example.com/odoo"]
)
def test_base_url_other_scheme_rejected(url):
    server = ServerFactory.build(base_url=url)

    errors = _errors(server)

    assert list(errors) == ["base_url"]
    assert errors["base_url"] == [
        f"{url} uses the scheme {url.split(':')[0]}. Expected an http:// or "
        "https:// URL such as https://node-1.example.com."
    ]


@pytest.mark.parametrize(
    ("url", "shown", "expected"),
    [
        (
            "https://user:pass@node-1.example.com",
            "https://***@node-1.example.com",
            "https://node-1.example.com",
        ),
        (
            "https://admin@node-1.example.com:8069/web",
            "https://***@node-1.example.com:8069/web",
            "https://node-1.example.com:8069/web",
        ),
    ],
)
def test_base_url_with_credentials_rejected(url, shown, expected):
    server = ServerFactory.build(base_url=url)

    errors = _errors(server)

    assert list(errors) == ["base_url"]
    message = errors["base_url"][0]
    assert message.startswith(f"{shown} contains a user name or password.")
    assert f"Expected a URL without them, such as {expected}." in message
    assert "pass@" not in message


def test_server_url_validator_leaves_unparsable_url():
    result = validate_server_url("https://[::1")

    assert result is None


def test_versions_listed_twice_kept_once():
    server = ServerFactory.build(odoo_versions="17.0, 17.0, 18.0,17.0")

    server.full_clean()

    assert server.odoo_versions == "17.0, 18.0"
    assert server.versions == ["17.0", "18.0"]


def test_parse_versions_keeps_first_order():
    assert parse_odoo_versions("18.0, 17.0, 18.0") == ["18.0", "17.0"]


def test_master_password_at_limit_accepted():
    server = ServerFactory.build(master_password="x" * MAX_MASTER_PASSWORD_LENGTH)

    server.full_clean()

    assert len(server.master_password) == MAX_MASTER_PASSWORD_LENGTH


def test_master_password_too_long_rejected():
    server = ServerFactory.build(master_password="x" * 100_000)

    errors = _errors(server)

    assert list(errors) == ["master_password"]
    assert errors["master_password"] == [
        "The Odoo master password has 100000 characters. Expected at most "
        f"{MAX_MASTER_PASSWORD_LENGTH}."
    ]


def test_master_password_error_reported_with_name_error():
    ServerFactory(name="node-1")
    server = ServerFactory.build(name="node-1", master_password="x" * 200)

    errors = _errors(server)

    assert sorted(errors) == ["master_password", "name"]
