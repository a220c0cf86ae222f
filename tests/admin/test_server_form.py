"""The server form rejects bad base URLs and master passwords with one message."""

import pytest
from django.urls import reverse

from saas_manager.hosting.models import MAX_MASTER_PASSWORD_LENGTH, Server
from tests.admin import forms
from tests.factories import ServerFactory

pytestmark = pytest.mark.django_db

SECRET = "s3cret-master-Password"


def change_url(server: Server) -> str:
    return reverse("admin:hosting_server_change", args=[server.pk])


def field_errors(response, name: str) -> list[str]:
    return list(response.context["adminform"].form.errors.get(name, []))


def test_ftp_base_url_rejected(manager_client):
    server = ServerFactory(base_url="https://node-1.example")

    response = manager_client.post(
        change_url(server), forms.server_data(server, base_url="ftp://node-1.example")
    )

    server.refresh_from_db()
    assert response.status_code == 200
    assert field_errors(response, "base_url") == [
        "ftp://node-1.example uses the scheme ftp. Expected an http:// or "
        "https:// URL such as https://node-1.example.com."
    ]
    assert server.base_url == "https://node-1.example"


def test_base_url_with_credentials_rejected(manager_client):
    server = ServerFactory(base_url="https://node-1.example")

    response = manager_client.post(
        change_url(server),
        forms.server_data(server, base_url="https://user:pass@node-1.example"),
    )

    server.refresh_from_db()
    assert response.status_code == 200
    errors = field_errors(response, "base_url")
    assert len(errors) == 1
    assert errors[0].startswith("https://***@node-1.example contains a user name")
    assert "pass@" not in errors[0]
    assert server.base_url == "https://node-1.example"


def test_duplicate_versions_saved_once(manager_client):
    server = ServerFactory(odoo_versions="17.0")

    response = manager_client.post(
        change_url(server), forms.server_data(server, odoo_versions="17.0, 17.0")
    )

    server.refresh_from_db()
    assert response.status_code == 302
    assert server.odoo_versions == "17.0"


def test_long_master_password_rejected(manager_client):
    server = ServerFactory(master_password=SECRET)

    response = manager_client.post(
        change_url(server), forms.server_data(server, master_password="x" * 100_000)
    )

    server.refresh_from_db()
    assert response.status_code == 200
    assert field_errors(response, "master_password") == [
        "The Odoo master password has 100000 characters. Expected at most "
        f"{MAX_MASTER_PASSWORD_LENGTH}."
    ]
    assert server.master_password == SECRET


def test_master_password_at_limit_saved(manager_client):
    server = ServerFactory(master_password=SECRET)
    password = "y" * MAX_MASTER_PASSWORD_LENGTH

    response = manager_client.post(
        change_url(server), forms.server_data(server, master_password=password)
    )

    server.refresh_from_db()
    assert response.status_code == 302
    assert server.master_password == password
