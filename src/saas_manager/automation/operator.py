"""The operator settings row and its defaults from the environment."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from saas_manager.automation.models import SINGLETON_ID, OperatorSettings

# The environment variable that gives each field its first value.
ENVIRONMENT_VARIABLES = {
    "grace_period_days": "GRACE_PERIOD_DAYS",
    "trial_reminder_days": "TRIAL_REMINDER_DAYS",
    "payment_reminder_days": "PAYMENT_REMINDER_DAYS",
    "auto_termination_enabled": "AUTO_TERMINATION_ENABLED",
    "termination_warning_days": "TERMINATION_WARNING_DAYS",
    "termination_days": "TERMINATION_DAYS",
    "provisioning_timeout_hours": "PROVISIONING_TIMEOUT_HOURS",
    "pending_payment_days": "PENDING_PAYMENT_DAYS",
    "storage_alert_percent": "STORAGE_ALERT_PERCENT",
    "sender_email": "NOTIFICATION_SENDER",
    "staff_emails": "STAFF_NOTIFICATION_EMAILS",
}

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off", "")
# int() alone would also take "1_000" and digits of other scripts.
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def _convert(field_name: str, raw: str):
    field = OperatorSettings._meta.get_field(field_name)
    if field.get_internal_type() == "BooleanField":
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValidationError(
            _("%(value)s is not a valid switch: expected true or false.")
            % {"value": raw}
        )
    if field.get_internal_type() == "PositiveSmallIntegerField":
        if not WHOLE_NUMBER.fullmatch(raw.strip()):
            raise ValidationError(
                _("%(value)s is not a whole number.") % {"value": raw}
            )
        return int(raw.strip())
    return raw.strip()


def defaults_from_environment() -> OperatorSettings:
    """Build an unsaved row from settings.OPERATOR_DEFAULTS, checked.

    Raises ValidationError whose messages name the environment variable, its
    value and what is expected.
    """
    raw_values = settings.OPERATOR_DEFAULTS
    values = {}
    errors: dict[str, list[str]] = {}
    for field_name, variable in ENVIRONMENT_VARIABLES.items():
        raw = raw_values[variable]
        try:
            values[field_name] = _convert(field_name, raw)
        except ValidationError as error:
            errors[field_name] = [f"{variable}: {message}" for message in error]
    row = OperatorSettings(id=SINGLETON_ID, **values)
    try:
        # No database query: the system check runs before the tables exist.
        row.full_clean(
            exclude=list(errors), validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        for field_name, messages in error.message_dict.items():
            variable = ENVIRONMENT_VARIABLES.get(field_name, field_name)
            errors[field_name] = [f"{variable}: {message}" for message in messages]
    if errors:
        raise ValidationError(errors)
    return row


def get_operator_settings() -> OperatorSettings:
    """Return the operator settings, creating the row on first use."""
    row = OperatorSettings.objects.filter(pk=SINGLETON_ID).first()
    if row is not None:
        return row
    row = defaults_from_environment()
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        # Another process created the row first.
        return OperatorSettings.objects.get(pk=SINGLETON_ID)
    return row
