"""An instance's dates, usage times and billing terms reject bad input."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from saas_manager.billing.choices import PaymentStatus
from saas_manager.billing.periods import LATEST_BILLING_START
from saas_manager.catalog.models import BillingCycle
from saas_manager.hosting.models import CLOCK_SKEW_TOLERANCE, InstanceState
from tests.factories import InstanceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)
JANUARY_1 = datetime.date(2026, 1, 1)


def _errors(record) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    return caught.value.message_dict


def paid_instance(amount: Decimal, **fields):
    """Create an Active monthly 79 EUR instance billed from 1 January 2026."""
    values = {
        "state": InstanceState.ACTIVE,
        "billing_start": JANUARY_1,
        "price": Decimal("79.00"),
        **fields,
    }
    instance = InstanceFactory(**values)
    PaymentFactory(
        customer=instance.customer, instance=instance, amount=amount, date=JANUARY_1
    )
    instance.refresh_from_db()
    return instance


# Trial end and start dates


def test_trial_end_before_start_rejected():
    instance = InstanceFactory(start_date=datetime.date(2026, 3, 1))
    instance.trial_end_date = datetime.date(2026, 2, 1)

    errors = _errors(instance)

    assert list(errors) == ["trial_end_date"]
    assert errors["trial_end_date"] == [
        "The trial end date, 2026-02-01, is before the start date, 2026-03-01. "
        "Expected 2026-03-01 or later."
    ]


@pytest.mark.parametrize(
    "trial_end", [datetime.date(2026, 3, 1), datetime.date(2026, 3, 15)]
)
def test_trial_end_on_or_after_start_accepted(trial_end):
    instance = InstanceFactory(start_date=datetime.date(2026, 3, 1))
    instance.trial_end_date = trial_end

    instance.full_clean()

    assert instance.trial_end_date == trial_end


@pytest.mark.parametrize("name", ["trial_end_date", "start_date"])
def test_date_after_last_billing_start_rejected(name):
    instance = InstanceFactory()
    late = LATEST_BILLING_START + datetime.timedelta(days=1)
    setattr(instance, name, late)

    errors = _errors(instance)

    assert list(errors) == [name]
    assert errors[name] == [
        f"{late} is too far in the future. Expected {LATEST_BILLING_START} or before."
    ]


# Usage times


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("name", "event"),
    [
        ("last_backup_at", "the last backup"),
        ("usage_measured_at", "the usage measurement"),
    ],
)
def test_usage_time_in_future_rejected(name, event):
    instance = InstanceFactory()
    setattr(instance, name, datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC))

    errors = _errors(instance)

    assert list(errors) == [name]
    message = errors[name][0]
    assert message.startswith(f"The time of {event}, 2999-01-01 ")
    assert "is in the future. Expected a time no later than now" in message


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("name", ["last_backup_at", "usage_measured_at"])
def test_usage_time_within_clock_skew_accepted(name):
    instance = InstanceFactory()
    setattr(instance, name, timezone.now() + CLOCK_SKEW_TOLERANCE)

    instance.full_clean()

    assert getattr(instance, name) == NOW + CLOCK_SKEW_TOLERANCE


@time_machine.travel(NOW, tick=False)
def test_usage_time_past_skew_rejected():
    instance = InstanceFactory()
    instance.last_backup_at = NOW + CLOCK_SKEW_TOLERANCE + datetime.timedelta(seconds=1)

    errors = _errors(instance)

    assert list(errors) == ["last_backup_at"]


# Currency, price and cycle once payments exist


def test_currency_change_with_payments_rejected():
    instance = paid_instance(Decimal("79.00"))
    instance.currency = "USD"

    errors = _errors(instance)

    assert list(errors) == ["currency"]
    assert errors["currency"] == [
        f"Instance {instance} has payments in EUR, so its currency cannot become "
        "USD. Its payments are in its currency: set up a new instance for "
        "another currency."
    ]


def test_currency_change_without_payments_accepted():
    instance = InstanceFactory(currency="EUR")
    instance.currency = "USD"

    instance.full_clean()

    assert instance.currency == "USD"


def test_tiny_price_rejected_when_money_reaches_too_far():
    instance = paid_instance(Decimal("2449.00"))
    instance.price = Decimal("0.01")

    errors = _errors(instance)

    assert list(errors) == ["price"]
    assert errors["price"] == [
        f"With a price of 0.01 EUR, the 2,449.00 EUR paid for instance {instance} "
        "would pay 244,900 monthly periods, more than the limit of 1200 periods "
        "(100 years) from the billing start. Expected a price of at least "
        "2.05 EUR."
    ]


def test_lowest_price_within_limit_accepted():
    instance = paid_instance(Decimal("2449.00"))
    instance.price = Decimal("2.05")

    instance.full_clean()

    assert instance.price == Decimal("2.05")


def test_monthly_cycle_rejected_when_money_reaches_too_far():
    instance = paid_instance(
        Decimal("9000.00"), billing_cycle=BillingCycle.YEARLY, price=Decimal("90")
    )
    instance.billing_cycle = BillingCycle.MONTHLY
    instance.price = Decimal("5.00")

    errors = _errors(instance)

    assert list(errors) == ["price"]
    assert "Expected a price of at least 7.50 EUR." in errors["price"][0]


def test_zero_price_with_payments_rejected():
    instance = paid_instance(Decimal("79.00"))
    instance.price = Decimal("0.00")

    errors = _errors(instance)

    assert list(errors) == ["price"]
    assert errors["price"] == [
        f"Instance {instance} has payments, so its price cannot become 0.00 EUR: "
        "a free instance takes no payments. Refund or cancel them first, or "
        "keep a price above zero."
    ]


def test_zero_price_with_failed_payment_accepted():
    instance = InstanceFactory(state=InstanceState.ACTIVE, billing_start=JANUARY_1)
    PaymentFactory(
        customer=instance.customer, instance=instance, status=PaymentStatus.FAILED
    )
    instance.price = Decimal("0.00")

    instance.full_clean()

    assert instance.price == Decimal("0.00")


# The paid-up date follows a change of price or cycle


def test_price_change_recomputes_paid_up_to():
    instance = paid_instance(Decimal("158.00"))
    assert instance.paid_up_to == datetime.date(2026, 2, 28)

    instance.price = Decimal("39.50")
    instance.save()

    instance.refresh_from_db()
    assert instance.paid_up_to == datetime.date(2026, 4, 30)


def test_cycle_change_recomputes_paid_up_to():
    instance = paid_instance(Decimal("158.00"))

    instance.billing_cycle = BillingCycle.YEARLY
    instance.price = Decimal("158.00")
    instance.save()

    instance.refresh_from_db()
    assert instance.paid_up_to == datetime.date(2026, 12, 31)


def test_price_change_recomputes_payment_span():
    instance = paid_instance(Decimal("158.00"))

    instance.price = Decimal("158.00")
    instance.save()

    payment = instance.payments.get()
    assert payment.period_start == JANUARY_1
    assert payment.period_end == datetime.date(2026, 1, 31)


def test_other_change_keeps_paid_up_to():
    instance = paid_instance(Decimal("158.00"))

    instance.url = "https://renamed.example"
    instance.save()

    instance.refresh_from_db()
    assert instance.paid_up_to == datetime.date(2026, 2, 28)
