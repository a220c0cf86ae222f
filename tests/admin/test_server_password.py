"""The server's master password is written in the form but never shown."""

import pytest
from django.db import connection
from django.urls import reverse

from saas_manager.hosting.models import Server
from tests.admin import forms
from tests.factories import ServerFactory

pytestmark = pytest.mark.django_db

SECRET = "s3cret-master-Password"


def change_url(server: Server) -> str:
    return reverse("admin:hosting_server_change", args=[server.pk])


def test_change_page_never_shows_the_password(manager_client):
    server = ServerFactory(master_password=SECRET)

    response = manager_client.get(change_url(server))

    assert response.status_code == 200
    assert SECRET not in response.text
    assert 'type="password"' in response.text


def test_read_only_page_never_shows_the_password(reader_client):
    server = ServerFactory(master_password=SECRET)

    response = reader_client.get(change_url(server))

    assert response.status_code == 200
    assert SECRET not in response.text


def test_history_page_never_shows_the_password(manager_client):
    server = ServerFactory(master_password=SECRET)
    version = server.history.latest()
    url = reverse(
        "admin:hosting_server_simple_history", args=[server.pk, version.history_id]
    )

    response = manager_client.get(url)

    assert response.status_code == 200
    assert SECRET not in response.text


def test_empty_password_keeps_the_stored_one(manager_client):
    server = ServerFactory(master_password=SECRET)

    response = manager_client.post(
        change_url(server), forms.server_data(server, city="Berlin")
    )

    server.refresh_from_db()
    assert response.status_code == 302
    assert server.city == "Berlin"
    assert server.master_password == SECRET


def test_typed_password_replaces_the_stored_one(manager_client):
    server = ServerFactory(master_password=SECRET)

    manager_client.post(
        change_url(server), forms.server_data(server, master_password="new-one")
    )

    server.refresh_from_db()
    assert server.master_password == "new-one"


def test_clear_box_removes_the_stored_password(manager_client):
    server = ServerFactory(master_password=SECRET)

    manager_client.post(
        change_url(server), forms.server_data(server, clear_master_password="on")
    )

    server.refresh_from_db()
    assert server.master_password == ""


def test_clear_box_and_new_password_are_rejected(manager_client):
    server = ServerFactory(master_password=SECRET)

    response = manager_client.post(
        change_url(server),
        forms.server_data(server, master_password="new", clear_master_password="on"),
    )

    server.refresh_from_db()
    assert response.status_code == 200
    assert "not both" in response.text
    assert server.master_password == SECRET


def test_password_is_stored_encrypted(manager_client):
    server = ServerFactory()

    manager_client.post(
        change_url(server), forms.server_data(server, master_password=SECRET)
    )

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT master_password FROM hosting_server WHERE id = %s", [server.pk]
        )
        (raw,) = cursor.fetchone()
    server.refresh_from_db()
    assert server.master_password == SECRET
    assert SECRET not in raw
