import datetime
from decimal import Decimal

import pytest

from saas_manager.imports import values


@pytest.mark.parametrize(
    ("text", "decimal", "thousands", "expected"),
    [
        ("1.234,56", ",", ".", Decimal("1234.56")),
        ("-1,058.09", ".", ",", Decimal("-1058.09")),
        ("1,234,567.5", ".", ",", Decimal("1234567.5")),
        ("1234.56", ".", ",", Decimal("1234.56")),
        ("12,5", ",", "", Decimal("12.5")),
        ("1 234,56", ",", " ", Decimal("1234.56")),
        ("1\u00a0234,56", ",", "", Decimal("1234.56")),
        ("7", ".", "", Decimal("7")),
    ],
)
def test_parse_amount_separators(text, decimal, thousands, expected):
    assert values.parse_amount(text, decimal, thousands) == expected


@pytest.mark.parametrize(
    ("text", "decimal", "thousands"),
    [
        ("1,5", ".", ","),
        ("1.234,56", ".", ","),
        ("12.34.56", ".", ""),
        ("abc", ".", ""),
        ("", ".", ""),
        ("1,2345.00", ".", ","),
    ],
)
def test_parse_amount_rejects(text, decimal, thousands):
    with pytest.raises(values.CellError) as raised:
        values.parse_amount(text, decimal, thousands)

    assert "is not an amount" in str(raised.value)


def test_fit_to_currency_rejects_extra_decimals():
    with pytest.raises(values.CellError) as raised:
        values.fit_to_currency(Decimal("16.448"), "USD", round_half_up=False)

    assert "16.448 has 3 decimals; USD has 2" in str(raised.value)


def test_fit_to_currency_rounds_half_up():
    amount, rounded = values.fit_to_currency(Decimal("2.345"), "EUR", True)

    assert amount == Decimal("2.35")
    assert rounded is True


def test_fit_to_currency_zero_decimal_currency():
    amount, rounded = values.fit_to_currency(Decimal("100.5"), "JPY", True)

    assert amount == Decimal("101")
    assert rounded is True


def test_fit_to_currency_keeps_trailing_zeros_unrounded():
    amount, rounded = values.fit_to_currency(Decimal("261.960"), "USD", False)

    assert amount == Decimal("261.960")
    assert rounded is False


def test_fit_to_currency_drops_trailing_zeros():
    amount, rounded = values.fit_to_currency(Decimal("4526.640"), "USD", False)

    assert str(amount) == "4526.64"
    assert rounded is False


def test_fit_to_currency_rejects_too_many_digits():
    with pytest.raises(values.CellError) as raised:
        values.fit_to_currency(Decimal("1" * 30 + ".125"), "USD", True)

    assert "is too large; expected at most 28 digits" in str(raised.value)


def test_parse_date_format():
    assert values.parse_date("11/9/2023", "%m/%d/%Y") == datetime.date(2023, 11, 9)


def test_parse_date_rejects_other_format():
    with pytest.raises(values.CellError) as raised:
        values.parse_date("2023-11-09", "%m/%d/%Y")

    assert "12/31/2024" in str(raised.value)


def test_months_before_clamps_to_month_end():
    assert values.months_before(datetime.date(2024, 5, 31), "3") == datetime.date(
        2024, 2, 29
    )


def test_months_before_rejects_negative():
    with pytest.raises(values.CellError):
        values.months_before(datetime.date(2024, 5, 31), "-1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("United States", "US"), ("US", "US"), ("Belgium", "BE"), ("belgium", "BE")],
)
def test_parse_country_names_and_codes(text, expected):
    assert values.parse_country(text) == expected


def test_parse_country_rejects_unknown():
    with pytest.raises(values.CellError) as raised:
        values.parse_country("Atlantis")

    assert "Atlantis is not a country" in str(raised.value)


def test_parse_phone_uses_region():
    assert values.parse_phone("4157654321", "US").as_e164 == "+14157654321"


def test_parse_phone_rejects_invalid():
    with pytest.raises(values.CellError) as raised:
        values.parse_phone("123456789", "US")

    assert "not a valid phone number for US" in str(raised.value)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("dns_label", "7590-VHVEG", "7590-vhveg"),
        ("dns_label", " Big Ol' Database ", "big-ol-database"),
        ("code", "Marketing Suite - Gold", "MARKETING-SUITE-GOLD"),
        ("url", "groceryoutlet.com", "https://groceryoutlet.com"),
        ("url", "http://a.example", "http://a.example"),
    ],
)
def test_apply_transform(name, text, expected):
    assert values.apply_transform(name, text) == expected
