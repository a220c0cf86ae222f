"""ISO 4217 currency codes and their minor units."""

from decimal import Decimal

import iso4217
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Money is stored with two decimals, so the currencies with three (BHD, KWD,
# OMR, ...) are left out. Metals and special drawing rights (XAU, XDR) have no
# minor unit.
MONEY_DECIMAL_PLACES = 2
MONEY_MAX_DIGITS = 14

# The codes that ISO 4217's list marks as funds (indexed units and settlement
# units such as Mexico's UDI), and the Arab Accounting Dinar, a unit of
# account: no customer pays an invoice in them.
NOT_PAYABLE = frozenset(
    {"BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW", "XAD"}
)

_EXPONENTS: dict[str, int] = {
    currency.code: currency.exponent
    for currency in iso4217.Currency
    if currency.exponent is not None
    and currency.exponent <= MONEY_DECIMAL_PLACES
    and currency.code not in NOT_PAYABLE
}

CURRENCY_CHOICES = sorted(
    (code, f"{code} - {iso4217.Currency(code).currency_name}") for code in _EXPONENTS
)


def minor_units(code: str) -> int:
    """Return the number of decimals of the currency, 2 for EUR, 0 for JPY."""
    return _EXPONENTS[code]


def validate_currency_code(value: str) -> None:
    """Accept an ISO 4217 code with at most two decimals, such as EUR or JPY."""
    if value not in _EXPONENTS:
        raise ValidationError(
            _(
                "%(value)s is not a supported ISO 4217 currency code. Expected "
                "three capital letters such as EUR or USD."
            ),
            code="invalid_currency",
            params={"value": value},
        )


def decimals_of(amount: Decimal) -> int:
    """Return how many digits the amount has after the decimal point."""
    exponent = amount.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def validate_amount_for_currency(
    amount: Decimal | None, currency: str, field: str
) -> None:
    """Reject an amount with more decimals than its currency has.

    A value that is not a finite Decimal is left to the field's own
    validation, which reports it.
    """
    if currency not in _EXPONENTS or not isinstance(amount, Decimal):
        return
    if not amount.is_finite():
        return
    allowed = minor_units(currency)
    if decimals_of(amount) > allowed:
        raise ValidationError(
            {
                field: ValidationError(
                    _(
                        "%(value)s has more decimals than %(currency)s allows "
                        "(%(allowed)d)."
                    ),
                    code="too_many_decimals",
                    params={"value": amount, "currency": currency, "allowed": allowed},
                )
            }
        )


def format_money(amount: Decimal | None, currency: str) -> str:
    """Format an amount with its currency's decimals, such as 1,234.50 EUR."""
    if amount is None:
        return ""
    places = _EXPONENTS.get(currency, 2)
    quantum = Decimal(1).scaleb(-places)
    return f"{amount.quantize(quantum):,} {currency}"
