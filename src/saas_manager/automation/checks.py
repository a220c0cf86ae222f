"""System checks for the automation settings read from the environment."""

from django.core.checks import Error, register
from django.core.exceptions import ValidationError


@register()
def check_operator_defaults(app_configs, **kwargs):
    from saas_manager.automation.operator import defaults_from_environment

    try:
        defaults_from_environment()
    except ValidationError as error:
        return [
            Error(
                message,
                hint="Correct the variable in the environment or in .env.",
                id="automation.E001",
            )
            for messages in error.message_dict.values()
            for message in messages
        ]
    return []
