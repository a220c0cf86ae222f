"""The data migration that removes credentials from stored server URLs."""

import importlib

import pytest
from django.apps import apps

from saas_manager.hosting.models import Server
from tests.factories import ServerFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "saas_manager.hosting.migrations.0005_strip_base_url_credentials"
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pass@node-1.example/web", "https://node-1.example/web"),
        ("https://admin@node-1.example:8069", "https://node-1.example:8069"),
        ("https://node-1.example/?mail=a@b", "https://node-1.example/?mail=a@b"),
        ("https://node-1.example", "https://node-1.example"),
    ],
)
def test_url_without_credentials(url, expected):
    assert migration.without_credentials(url) == expected


def test_stored_credentials_removed_with_history():
    server = ServerFactory(base_url="https://node-1.example")
    Server.objects.filter(pk=server.pk).update(
        base_url="https://user:pass@node-1.example"
    )
    server.history.update(base_url="https://user:pass@node-1.example")

    migration.strip_credentials(apps, None)

    server.refresh_from_db()
    assert server.base_url == "https://node-1.example"
    assert not server.history.filter(base_url__contains="pass").exists()
