import pytest
from django.test import Client

PASSWORD = "correct-horse-battery"

# The fixture name of each staff group's user, from tests/conftest.py.
ROLES = ("manager", "billing_clerk", "support_agent", "reader")


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # The manifest storage of production needs `collectstatic` first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


def signed_in_client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def staff_client(request):
    """Return a client signed in as the user of the role fixture named."""

    def sign_in(role: str) -> Client:
        return signed_in_client(request.getfixturevalue(role))

    return sign_in


@pytest.fixture
def manager_client(manager) -> Client:
    return signed_in_client(manager)


@pytest.fixture
def reader_client(reader) -> Client:
    return signed_in_client(reader)
