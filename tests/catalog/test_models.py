from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from saas_manager.catalog.models import BillingCycle, ServicePackage
from tests.factories import ServicePackageFactory

pytestmark = pytest.mark.django_db


def _errors(record) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    return caught.value.message_dict


def _package(**fields) -> ServicePackage:
    defaults = {
        "name": "Business",
        "code": "BUSINESS-10",
        "currency": "EUR",
        "monthly_price": Decimal("49.00"),
        "yearly_price": Decimal("490.00"),
    }
    return ServicePackage(**{**defaults, **fields})


# Code


@pytest.mark.parametrize("code", ["BUSINESS-10", "A", "STARTER_2026", "X" * 32])
def test_code_valid_accepted(code):
    package = _package(code=code)

    package.full_clean()
    package.save()

    assert ServicePackage.objects.get(code=code) == package


@pytest.mark.parametrize("code", ["business", "-BUSINESS", "BUSI NESS", "X" * 33, ""])
def test_code_invalid_rejected(code):
    package = _package(code=code)

    errors = _errors(package)

    assert list(errors) == ["code"]


def test_code_with_final_newline_rejected():
    package = _package(code="BUSINESS\n")

    errors = _errors(package)

    assert list(errors) == ["code"]
    assert "'BUSINESS\\n'" in errors["code"][0]


def test_code_taken_rejected_by_full_clean():
    ServicePackageFactory(code="BUSINESS-10")
    package = _package(code="BUSINESS-10")

    errors = _errors(package)

    assert list(errors) == ["code"]
    assert errors["code"] == ["Another package already has code BUSINESS-10."]


def test_code_taken_rejected_by_database():
    ServicePackageFactory(code="BUSINESS-10")

    with pytest.raises(IntegrityError), transaction.atomic():
        ServicePackage.objects.create(
            name="Copy", code="BUSINESS-10", monthly_price=Decimal("1.00")
        )


def test_code_kept_on_resave():
    package = ServicePackageFactory(code="BUSINESS-10")

    package.full_clean()

    assert package.code == "BUSINESS-10"


# Prices


def test_package_without_price_rejected_by_full_clean():
    package = _package(monthly_price=None, yearly_price=None)

    errors = _errors(package)

    assert set(errors) == {"monthly_price"}
    assert errors["monthly_price"] == [
        "Package Business has no price. Expected a monthly price, a yearly price "
        "or both."
    ]


def test_package_without_price_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ServicePackage.objects.create(
            name="Free", code="FREE", monthly_price=None, yearly_price=None
        )


@pytest.mark.parametrize(
    ("monthly", "yearly", "cycles"),
    [
        (Decimal("49.00"), None, [BillingCycle.MONTHLY]),
        (None, Decimal("490.00"), [BillingCycle.YEARLY]),
        (Decimal("0.00"), Decimal("0.00"), [BillingCycle.MONTHLY, BillingCycle.YEARLY]),
    ],
)
def test_package_with_one_price_accepted(monthly, yearly, cycles):
    package = _package(monthly_price=monthly, yearly_price=yearly)

    package.full_clean()

    assert package.cycles == cycles


@pytest.mark.parametrize("field", ["monthly_price", "yearly_price"])
def test_price_negative_rejected_by_full_clean(field):
    package = _package(**{field: Decimal("-0.01")})

    errors = _errors(package)

    assert list(errors) == [field]
    assert errors[field][0].startswith("-0.01 is less than 0")


@pytest.mark.parametrize("field", ["monthly_price", "yearly_price"])
def test_price_negative_rejected_by_database(field):
    with pytest.raises(IntegrityError), transaction.atomic():
        ServicePackageFactory(code="NEGATIVE", **{field: Decimal("-1.00")})


@pytest.mark.parametrize(
    ("currency", "price"), [("JPY", Decimal("100.5")), ("EUR", Decimal("19.999"))]
)
def test_price_with_more_decimals_than_currency_rejected(currency, price):
    package = _package(currency=currency, monthly_price=price, yearly_price=None)

    errors = _errors(package)

    assert list(errors) == ["monthly_price"]
    assert any(
        f"{price} has more decimals than {currency} allows" in message
        for message in errors["monthly_price"]
    )


def test_price_in_yen_without_decimals_accepted():
    package = _package(currency="JPY", monthly_price=Decimal("5000"), yearly_price=None)

    package.full_clean()
    package.save()

    package.refresh_from_db()
    assert package.monthly_price == Decimal("5000")


@pytest.mark.parametrize("currency", ["EURO", "eur", "XXX", "ABC"])
def test_package_currency_rejected(currency):
    package = _package(currency=currency)

    errors = _errors(package)

    assert "currency" in errors
    assert any(currency in message for message in errors["currency"])


# Trial length


def test_trial_days_zero_accepted():
    package = _package(trial_days=0)

    package.full_clean()
    package.save()

    package.refresh_from_db()
    assert package.trial_days == 0


def test_trial_days_negative_rejected_by_full_clean():
    package = _package(trial_days=-1)

    errors = _errors(package)

    assert list(errors) == ["trial_days"]
    assert any("-1 is negative" in message for message in errors["trial_days"])


def test_trial_days_negative_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ServicePackageFactory(code="NEG-TRIAL", trial_days=-1)
