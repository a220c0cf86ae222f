"""System checks for configuration that would be unsafe or broken."""

import base64
import binascii

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_configuration(app_configs, **kwargs):
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
    try:
        key = base64.urlsafe_b64decode(settings.FIELD_ENCRYPTION_KEY.encode())
        valid_key = len(key) == 32
    except (binascii.Error, ValueError):
        valid_key = False
    if not valid_key:
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
