import pytest

from saas_manager.automation.operator import get_operator_settings
from tests.notifications.smtp_server import smtp  # noqa: F401


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Admin pages render without a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture
def operator(db):
    row = get_operator_settings()
    row.staff_emails = "ops@operator.example"
    row.sender_email = "billing@operator.example"
    row.save()
    return row
