"""System checks for configuration that would be unsafe or broken."""

import binascii

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Warning, register


def _is_fernet_key(key: object) -> bool:
    """Tell whether Fernet accepts the key, as EncryptedTextField will use it."""
    try:
        Fernet(key)  # type: ignore[arg-type]
    except (TypeError, ValueError, binascii.Error):
        return False
    return True


@register()
def check_configuration(app_configs, **kwargs):
    """Report a default SECRET_KEY, a derived or an invalid FIELD_ENCRYPTION_KEY."""
    problems = []
    if not settings.DEBUG and settings.SECRET_KEY == settings.INSECURE_SECRET_KEY:
        problems.append(
            Warning(
                "SECRET_KEY is the development default while DEBUG is off.",
                hint="Set SECRET_KEY to a long random string in the environment.",
                id="core.W001",
            )
        )
    if not settings.DEBUG and not settings.FIELD_ENCRYPTION_KEY_FROM_ENVIRONMENT:
        problems.append(
            Warning(
                "FIELD_ENCRYPTION_KEY is derived from SECRET_KEY.",
                hint="Set FIELD_ENCRYPTION_KEY to a Fernet key so that changing "
                "SECRET_KEY does not make stored server secrets unreadable.",
                id="core.W002",
            )
        )
    if not _is_fernet_key(settings.FIELD_ENCRYPTION_KEY):
        problems.append(
            Error(
                "FIELD_ENCRYPTION_KEY is not a Fernet key.",
                hint="Expected 32 bytes in URL-safe base64; create one with "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`.",
                id="core.E002",
            )
        )
    return problems
