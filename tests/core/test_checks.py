import base64

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Warning, run_checks
from django.test import override_settings

from saas_manager.core.checks import check_configuration

GOOD_KEY = Fernet.generate_key().decode()
SAFE = {
    "DEBUG": False,
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789",
    "FIELD_ENCRYPTION_KEY": GOOD_KEY,
    "FIELD_ENCRYPTION_KEY_FROM_ENVIRONMENT": True,
}


def _ids(**overrides) -> list[str]:
    with override_settings(**{**SAFE, **overrides}):
        return [problem.id for problem in check_configuration(None)]


def test_checks_safe_configuration_passes():
    assert _ids() == []


def test_checks_registered_with_django():
    with override_settings(**{**SAFE, "FIELD_ENCRYPTION_KEY": "not-a-key"}):
        ids = [problem.id for problem in run_checks()]

    assert "core.E002" in ids


def test_w001_default_secret_key_without_debug():
    with override_settings(**{**SAFE, "SECRET_KEY": settings.INSECURE_SECRET_KEY}):
        problems = check_configuration(None)

    assert [problem.id for problem in problems] == ["core.W001"]
    assert isinstance(problems[0], Warning)
    assert "SECRET_KEY" in problems[0].msg


def test_w001_silent_with_debug():
    ids = _ids(DEBUG=True, SECRET_KEY=settings.INSECURE_SECRET_KEY)

    assert "core.W001" not in ids


def test_w002_derived_encryption_key_without_debug():
    with override_settings(**{**SAFE, "FIELD_ENCRYPTION_KEY_FROM_ENVIRONMENT": False}):
        problems = check_configuration(None)

    assert [problem.id for problem in problems] == ["core.W002"]
    assert isinstance(problems[0], Warning)
    assert "FIELD_ENCRYPTION_KEY" in problems[0].msg


def test_w002_silent_with_debug():
    ids = _ids(DEBUG=True, FIELD_ENCRYPTION_KEY_FROM_ENVIRONMENT=False)

    assert "core.W002" not in ids


@pytest.mark.parametrize(
    "key",
    [
        "not-a-fernet-key",
        "",
        base64.urlsafe_b64encode(b"sixteen byte key").decode(),
        GOOD_KEY[:-2],
        None,
        42,
    ],
)
def test_e002_invalid_encryption_key(key):
    with override_settings(**{**SAFE, "FIELD_ENCRYPTION_KEY": key}):
        problems = check_configuration(None)

    assert [problem.id for problem in problems] == ["core.E002"]
    assert isinstance(problems[0], Error)
    assert "FIELD_ENCRYPTION_KEY is not a Fernet key" in problems[0].msg


def test_e002_does_not_show_the_key():
    key = "not-a-fernet-key-but-still-secret"

    with override_settings(**{**SAFE, "FIELD_ENCRYPTION_KEY": key}):
        problems = check_configuration(None)

    assert key not in problems[0].msg
    assert key not in problems[0].hint


def test_e002_reported_with_debug_too():
    ids = _ids(DEBUG=True, FIELD_ENCRYPTION_KEY="not-a-fernet-key")

    assert ids == ["core.E002"]


def test_default_derived_key_is_a_fernet_key():
    fernet = Fernet(settings.FIELD_ENCRYPTION_KEY)

    token = fernet.encrypt(b"master password")

    assert fernet.decrypt(token) == b"master password"
