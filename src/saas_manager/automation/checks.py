"""System checks for the automation settings read from the environment.

settings.py already rejects these values when it reads the environment. The
checks also cover settings given another way, such as a settings module
that imports ours and changes them.
"""

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


@register()
def check_worker_settings(app_configs, **kwargs):
    from django.conf import settings

    problems = []
    interval = settings.AUTOMATION_INTERVAL_MINUTES
    if not 1 <= interval <= 1440:
        problems.append(
            Error(
                f"AUTOMATION_INTERVAL_MINUTES is {interval}, expected 1 to 1440.",
                hint="Set it to the minutes between two automation runs, such as 15.",
                id="automation.E002",
            )
        )
    queue = settings.TASK_QUEUE_URL
    supported = ("redis://", "rediss://", "unix://", "sqlite:///")
    if queue and not queue.startswith(supported):
        problems.append(
            Error(
                f"TASK_QUEUE_URL {queue!r} names no supported queue.",
                hint="Expected redis://host:port/db, or sqlite:///path for a file; "
                "leave it empty for an SQLite file in DATA_DIR.",
                id="automation.E003",
            )
        )
    if not 1 <= settings.NOTIFICATION_MAX_ATTEMPTS <= 20:
        problems.append(
            Error(
                f"NOTIFICATION_MAX_ATTEMPTS is {settings.NOTIFICATION_MAX_ATTEMPTS}, "
                "expected 1 to 20.",
                hint="Set how many times a notification is tried, such as 6.",
                id="automation.E004",
            )
        )
    return problems
