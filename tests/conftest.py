from pathlib import Path

import pytest

from saas_manager.core import roles
from tests.factories import UserFactory

# The real files written by others lie beside the checkout, in ../shared/data.
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the real data files are not at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The hashed-name storage used outside DEBUG needs `collectstatic` first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", group=roles.MANAGER)


@pytest.fixture
def billing_clerk(db):
    return UserFactory(username="billing", group=roles.BILLING)


@pytest.fixture
def support_agent(db):
    return UserFactory(username="support", group=roles.SUPPORT)


@pytest.fixture
def reader(db):
    return UserFactory(username="reader", group=roles.READ_ONLY)
