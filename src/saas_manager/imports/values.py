"""Reading one cell: amounts, dates, booleans, countries, phones, transforms."""

import calendar
import datetime
import functools
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import phonenumbers
from django.utils.translation import gettext as _
from django_countries import countries
from phonenumber_field.phonenumber import PhoneNumber

from saas_manager.core.currencies import decimals_of, minor_units

# Country names in common use that django-countries spells otherwise; Odoo
# names the United States "United States", django-countries "United States
# of America".
_COUNTRY_ALIASES = {
    "united states": "US",
    "usa": "US",
    "u.s.a.": "US",
    "uk": "GB",
    "great britain": "GB",
    "the netherlands": "NL",
}
_TRUE = {"1", "true", "yes", "y", "t", "x"}
_FALSE = {"0", "false", "no", "n", "f", ""}
# Spaces that spreadsheets write between groups of thousands.
_SPACES = str.maketrans("", "", " \u00a0\u202f")


class CellError(ValueError):
    """A cell whose value cannot be used, with the reason."""


def parse_amount(text: str, decimal_separator: str, thousands_separator: str):
    """Return the Decimal that a cell such as "1.234,56" or "-1,058.09" holds.

    Groups of thousands must have three digits, so "1,5" with "." as decimal
    separator is rejected instead of read as 15.
    """
    compact = text.strip()
    if thousands_separator in ("", " ", "\u00a0"):
        compact = compact.translate(_SPACES)
    decimal = re.escape(decimal_separator)
    pattern = rf"[+-]?\d+(?:{decimal}\d+)?"
    if thousands_separator.strip():
        group = re.escape(thousands_separator)
        pattern = rf"[+-]?(?:\d{{1,3}}(?:{group}\d{{3}})+|\d+)(?:{decimal}\d+)?"
    if not re.fullmatch(pattern, compact):
        example = "1,234.56" if decimal_separator == "." else "1.234,56"
        if not thousands_separator.strip():
            example = "1234.56" if decimal_separator == "." else "1234,56"
        raise CellError(
            _("%(value)s is not an amount; expected a number such as %(example)s.")
            % {"value": text, "example": example}
        )
    if thousands_separator.strip():
        compact = compact.replace(thousands_separator, "")
    try:
        return Decimal(compact.replace(decimal_separator, "."))
    except InvalidOperation as error:  # pragma: no cover - the pattern excludes it
        raise CellError(_("%(value)s is not an amount.") % {"value": text}) from error


def fit_to_currency(amount: Decimal, currency: str, round_half_up: bool):
    """Return the amount with its currency's decimals and whether it was rounded.

    An amount with more decimals than the currency has is rounded half up when
    the mapping asks for it, and rejected otherwise.
    """
    try:
        places = minor_units(currency)
    except KeyError as error:
        raise CellError(
            _("%(value)s is not a supported currency; expected a code such as EUR.")
            % {"value": currency}
        ) from error
    quantum = Decimal(1).scaleb(-places)
    if decimals_of(amount) <= places:
        # Trailing zeros such as in 261.960 change no value, but the model's
        # decimal field counts them as decimals, so they are dropped here.
        if amount.as_tuple().exponent < -places:
            amount = _quantize(amount, quantum)
        return amount, False
    if not round_half_up:
        raise CellError(
            _(
                "%(value)s has %(count)d decimals; %(currency)s has %(allowed)d. "
                "Round the amounts in the file, or set round in the mapping."
            )
            % {
                "value": amount,
                "count": decimals_of(amount),
                "currency": currency,
                "allowed": places,
            }
        )
    return _quantize(amount, quantum), True


def _quantize(amount: Decimal, quantum: Decimal) -> Decimal:
    try:
        return amount.quantize(quantum, rounding=ROUND_HALF_UP)
    except InvalidOperation as error:
        # More digits than Decimal's default precision of 28 can hold.
        raise CellError(
            _("%(value)s is too large; expected at most 28 digits.") % {"value": amount}
        ) from error


def parse_date(text: str, date_format: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(text.strip(), date_format).date()
    except ValueError as error:
        example = datetime.date(2024, 12, 31).strftime(date_format)
        raise CellError(
            _("%(value)s is not a date in the format %(format)s, such as %(example)s.")
            % {"value": text, "format": date_format, "example": example}
        ) from error


def months_before(as_of: datetime.date, text: str) -> datetime.date:
    """Return the day that many months before the reference date.

    A day that the earlier month does not have becomes its last day, so 31
    May less three months is 28 (or 29) February.
    """
    months = parse_integer(text)
    if months < 0:
        raise CellError(
            _("%(value)s is not a number of months; expected 0 or more.")
            % {"value": text}
        )
    total = as_of.year * 12 + as_of.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    day = min(as_of.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day)


def parse_integer(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError as error:
        raise CellError(
            _("%(value)s is not a whole number.") % {"value": text}
        ) from error


def parse_boolean(text: str) -> bool:
    folded = text.strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise CellError(
        _("%(value)s is not a yes or no; expected 1, 0, true, false, yes or no.")
        % {"value": text}
    )


@functools.lru_cache(maxsize=1024)
def parse_country(text: str) -> str:
    """Return the ISO 3166 code of a country given by code or English name.

    Results are cached because a name lookup compares the name with every
    country's translated name, which takes milliseconds.
    """
    value = text.strip()
    if value.upper() in countries:
        return countries.alpha2(value.upper())
    code = (
        _COUNTRY_ALIASES.get(value.casefold())
        or countries.by_name(value)
        or countries.alpha2(value.upper())
    )
    if not code:
        raise CellError(
            _(
                "%(value)s is not a country; expected an ISO code such as US or a "
                "name such as United States."
            )
            % {"value": text}
        )
    return code


def parse_phone(text: str, region: str | None) -> PhoneNumber:
    try:
        number = PhoneNumber.from_string(text.strip(), region=region or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not number.is_valid():
        if region:
            raise CellError(
                _("%(value)s is not a valid phone number for %(region)s.")
                % {"value": text, "region": region}
            )
        raise CellError(
            _(
                "%(value)s is not a valid phone number; expected the "
                "international format such as +32 2 123 45 67, or a country "
                "for the row."
            )
            % {"value": text}
        )
    return number


def apply_transform(name: str, value: str) -> str:
    if name == "strip":
        return value.strip()
    if name == "upper":
        return value.upper()
    if name == "lower":
        return value.lower()
    if name == "code":
        # Package codes: capital letters, digits and hyphens, 32 at most.
        return re.sub(r"[^A-Z0-9]+", "-", value.upper()).strip("-")[:32]
    if name == "dns_label":
        label = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
        return label[:63].rstrip("-")
    if name == "url":
        value = value.strip()
        if value and not re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE):
            return f"https://{value}"
        return value
    raise ValueError(name)
