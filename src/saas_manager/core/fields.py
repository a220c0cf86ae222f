"""Model fields shared by the apps: money, currency and encrypted text."""

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from saas_manager.core.currencies import (
    CURRENCY_CHOICES,
    MONEY_DECIMAL_PLACES,
    MONEY_MAX_DIGITS,
    validate_currency_code,
)


class MoneyField(models.DecimalField):
    """A decimal amount of money: never a float, two decimals at most."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        kwargs.setdefault("validators", [MinValueValidator(0)])
        super().__init__(*args, **kwargs)


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
    return Fernet(settings.FIELD_ENCRYPTION_KEY.encode())


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
