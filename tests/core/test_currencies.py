from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from saas_manager.core.currencies import (
    CURRENCY_CHOICES,
    decimals_of,
    format_money,
    minor_units,
    validate_amount_for_currency,
    validate_currency_code,
)


@pytest.mark.parametrize("code", ["EUR", "USD", "CHF", "JPY"])
def test_currency_code_accepted(code):
    result = validate_currency_code(code)

    assert result is None


@pytest.mark.parametrize("code", ["EURO", "eur", "XXX", "ABC", "XAU", "KWD", ""])
def test_currency_code_rejected(code):
    with pytest.raises(ValidationError) as caught:
        validate_currency_code(code)

    message = caught.value.messages[0]
    assert f"{code} is not a supported ISO 4217 currency code" in message
    assert caught.value.code == "invalid_currency"


def test_minor_units_of_euro_and_yen():
    assert minor_units("EUR") == 2
    assert minor_units("JPY") == 0


@pytest.mark.parametrize(
    ("amount", "decimals"),
    [("19.99", 2), ("19.90", 1), ("100", 0), ("1E+2", 0), ("0.001", 3)],
)
def test_decimals_of_amount(amount, decimals):
    assert decimals_of(Decimal(amount)) == decimals


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("19.99", "EUR"), ("19.90", "EUR"), ("100", "JPY"), ("100.00", "JPY")],
)
def test_amount_within_currency_decimals_accepted(amount, currency):
    result = validate_amount_for_currency(Decimal(amount), currency, "price")

    assert result is None


@pytest.mark.parametrize(
    ("amount", "currency"), [("100.5", "JPY"), ("19.999", "EUR"), ("0.001", "USD")]
)
def test_amount_with_too_many_decimals_rejected(amount, currency):
    with pytest.raises(ValidationError) as caught:
        validate_amount_for_currency(Decimal(amount), currency, "price")

    assert list(caught.value.message_dict) == ["price"]
    message = caught.value.message_dict["price"][0]
    assert amount in message
    assert currency in message


@pytest.mark.parametrize("amount", [None, 19.999, "19.999", Decimal("NaN")])
def test_amount_that_is_not_a_decimal_left_to_the_field(amount):
    result = validate_amount_for_currency(amount, "EUR", "price")

    assert result is None


def test_amount_in_unknown_currency_left_to_the_currency_field():
    result = validate_amount_for_currency(Decimal("1.2345"), "XXX", "price")

    assert result is None


def test_format_money_uses_currency_decimals():
    assert format_money(Decimal("1234.5"), "EUR") == "1,234.50 EUR"
    assert format_money(Decimal("1234"), "JPY") == "1,234 JPY"
    assert format_money(None, "EUR") == ""


@pytest.mark.parametrize("code", ["BOV", "CHE", "CHW", "COU", "MXV", "USN", "UYI"])
def test_fund_codes_are_not_offered(code):
    with pytest.raises(ValidationError):
        validate_currency_code(code)

    assert code not in dict(CURRENCY_CHOICES)
