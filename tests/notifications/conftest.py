import pytest


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Admin pages render without a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
