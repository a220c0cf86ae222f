"""Validation of the operator settings: number ranges and lists."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

# A reminder further ahead than a year is a typing mistake, not a plan.
MAX_REMINDER_DAYS = 366


def _items(value: str) -> list[str]:
    """Split a list typed as commas, semicolons, spaces or new lines."""
    for separator in (";", "\n", " "):
        value = value.replace(separator, ",")
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_day_list(value: str) -> list[int]:
    """Return the distinct days of a list such as "7, 3, 1", largest first.

    Raises ValidationError naming the first item that is not a whole number
    of days from 1 to MAX_REMINDER_DAYS.
    """
    days = set()
    for item in _items(value or ""):
        try:
            day = int(item)
        except ValueError:
            day = None
        if day is None or not 1 <= day <= MAX_REMINDER_DAYS:
            raise ValidationError(
                _(
                    "%(value)s is not a valid number of days: expected whole "
                    "numbers from 1 to %(max)d separated by commas, such as 7, 3, 1."
                ),
                code="invalid_day_list",
                params={"value": item, "max": MAX_REMINDER_DAYS},
            )
        days.add(day)
    return sorted(days, reverse=True)


def validate_day_list(value: str) -> None:
    parse_day_list(value)


def parse_email_list(value: str) -> list[str]:
    """Return the distinct addresses of a list, in the order typed.

    Raises ValidationError naming the first address that is not valid.
    """
    addresses: list[str] = []
    for item in _items(value or ""):
        try:
            validate_email(item)
        except ValidationError:
            raise ValidationError(
                _(
                    "%(value)s is not a valid e-mail address: expected addresses "
                    "such as billing@example.com separated by commas."
                ),
                code="invalid_email_list",
                params={"value": item},
            ) from None
        if item.lower() not in (address.lower() for address in addresses):
            addresses.append(item)
    return addresses


def validate_email_list(value: str) -> None:
    parse_email_list(value)


@deconstructible
class RangeValidator:
    """Reject a number outside `minimum` to `maximum`, both included.

    The message names the setting, the value and the range, so the same text
    serves the back office's form and the check of the environment defaults.
    """

    def __init__(self, label: str, minimum: int, maximum: int, unit: str) -> None:
        self.label = label
        self.minimum = minimum
        self.maximum = maximum
        self.unit = unit

    def __call__(self, value) -> None:
        if value is None or self.minimum <= value <= self.maximum:
            return
        raise ValidationError(
            _(
                "%(label)s is %(value)s %(unit)s: expected %(minimum)d to "
                "%(maximum)d %(unit)s."
            ),
            code="out_of_range",
            params={
                "label": _(self.label).capitalize(),
                "value": value,
                "unit": _(self.unit),
                "minimum": self.minimum,
                "maximum": self.maximum,
            },
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RangeValidator) and (
            (self.label, self.minimum, self.maximum, self.unit)
            == (other.label, other.minimum, other.maximum, other.unit)
        )

    def __hash__(self) -> int:
        return hash((self.label, self.minimum, self.maximum, self.unit))
