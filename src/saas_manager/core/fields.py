"""Model fields shared by the apps: money, currency and encrypted text."""

import binascii
from decimal import Decimal, DecimalException

from cryptography.fernet import Fernet, InvalidToken
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from saas_manager.core.currencies import (
    CURRENCY_CHOICES,
    MONEY_DECIMAL_PLACES,
    MONEY_MAX_DIGITS,
    validate_currency_code,
)


class MoneyFormField(forms.DecimalField):
    """The form field of MoneyField, whose messages name the value typed.

    Django's DecimalField shows "Enter a number." for 1,5, NaN or Infinity and
    leaves the value out of its messages on digits and decimals.
    """

    default_error_messages = {
        "invalid": _(
            "%(value)s is not an amount. Expected a number with a point before "
            "the decimals, such as 19.99."
        ),
        "not_finite": _("%(value)s is not an amount. Expected a finite number."),
        "max_decimal_places": _(
            "%(value)s has more than %(max)s decimals. Expected at most %(max)s."
        ),
        "max_digits": _(
            "%(value)s has more than %(max)s digits in total. Expected at most %(max)s."
        ),
        "max_whole_digits": _(
            "%(value)s has more than %(max)s digits before the decimal point. "
            "Expected at most %(max)s."
        ),
        "min_value": _(
            "%(value)s is less than %(limit_value)s. Expected an amount of "
            "%(limit_value)s or more."
        ),
        "max_value": _(
            "%(value)s is more than %(limit_value)s. Expected an amount of "
            "%(limit_value)s or less."
        ),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if self.localize:
            value = formats.sanitize_separators(value)
        text = str(value).strip()
        try:
            amount = Decimal(text)
        except DecimalException:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": text}
            ) from None
        if not amount.is_finite():
            # Checked here, before the digit count, which rejects NaN and
            # Infinity with the message of an invalid number.
            raise ValidationError(
                self.error_messages["not_finite"],
                code="not_finite",
                params={"value": text},
            )
        return amount

    def validate(self, value) -> None:
        # Django's own check of finiteness drops the value, and to_python has
        # already made it.
        forms.Field.validate(self, value)


class MoneyField(models.DecimalField):
    """A decimal amount of money: never a float, two decimals at most."""

    # Django's own messages leave out the value. Messages set here, rather
    # than passed as error_messages, stay out of the migrations.
    default_error_messages = {
        "float": _(
            "%(value)r is a float. Expected an exact decimal amount such as "
            "Decimal('19.99') or the text 19.99."
        ),
        "min_value": _(
            "%(value)s is less than %(limit_value)s. Expected an amount of "
            "%(limit_value)s or more."
        ),
        "max_decimal_places": _(
            "%(value)s has more than %(max)s decimals. Expected at most %(max)s."
        ),
        "max_digits": _("%(value)s has more than %(max)s digits in total."),
        "max_whole_digits": _(
            "%(value)s has more than %(max)s digits before the decimal point."
        ),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        kwargs.setdefault("validators", [MinValueValidator(0)])
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": MoneyFormField, **kwargs})

    def to_python(self, value):
        # A float such as 0.1 is not the amount that was typed, so it is
        # rejected rather than rounded, on validation and on save alike.
        if isinstance(value, float):
            raise ValidationError(
                self.error_messages["float"], code="float", params={"value": value}
            )
        return super().to_python(value)


class CurrencyField(models.CharField):
    """An ISO 4217 currency code such as EUR."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("choices", CURRENCY_CHOICES)
        kwargs.setdefault("validators", [validate_currency_code])
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        # The list follows the installed ISO 4217 data; keeping it out of the
        # migrations stops every data update from adding one.
        kwargs.pop("choices", None)
        return name, path, args, kwargs


def _fernet() -> Fernet:
    try:
        return Fernet(settings.FIELD_ENCRYPTION_KEY)
    except (TypeError, ValueError, binascii.Error) as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is not a Fernet key: expected 32 bytes in "
            "URL-safe base64."
        ) from error


class EncryptedTextField(models.TextField):
    """Text stored encrypted with Fernet under FIELD_ENCRYPTION_KEY."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return _fernet().encrypt(value.encode()).decode()

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        try:
            return _fernet().decrypt(value.encode()).decode()
        except InvalidToken as error:
            raise ValueError(
                f"Cannot decrypt {self.model.__name__}.{self.name}: "
                "FIELD_ENCRYPTION_KEY is not the key it was stored with."
            ) from error
