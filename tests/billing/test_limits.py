"""Money pays at most 100 years ahead, and a free instance takes no payments."""

import datetime
import logging
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from saas_manager.billing.models import Payment, PaymentKind, PaymentStatus
from saas_manager.billing.paid_up import compute_position, refresh_paid_up_to
from saas_manager.billing.periods import (
    LATEST_BILLING_START,
    MAX_PREPAID_YEARS,
    add_months,
    max_periods,
    period_at,
)
from saas_manager.billing.services import record_payment
from saas_manager.catalog.models import BillingCycle
from saas_manager.hosting.models import Instance, InstanceState
from tests.factories import InstanceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

JANUARY_1 = datetime.date(2026, 1, 1)
HUGE = Decimal("999999999999.99")


def _errors(record) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    return caught.value.message_dict


def billed_instance(**fields) -> Instance:
    """Create an Active 79 EUR a month instance billed from 1 January 2026."""
    values = {
        "state": InstanceState.ACTIVE,
        "billing_start": JANUARY_1,
        "price": Decimal("79.00"),
        **fields,
    }
    return InstanceFactory(**values)


def payment_for(instance: Instance, amount: Decimal, **fields) -> Payment:
    values = {
        "customer": instance.customer,
        "instance": instance,
        "amount": amount,
        "currency": instance.currency,
        "status": PaymentStatus.COMPLETED,
        "date": JANUARY_1,
        **fields,
    }
    return Payment(**values)


# The limit itself


@pytest.mark.parametrize(
    ("cycle", "periods"), [(BillingCycle.MONTHLY, 1200), (BillingCycle.YEARLY, 100)]
)
def test_max_periods_per_cycle(cycle, periods):
    assert max_periods(cycle) == periods


@pytest.mark.parametrize("cycle", [BillingCycle.MONTHLY, BillingCycle.YEARLY])
def test_last_period_from_latest_start_is_a_date(cycle):
    start = LATEST_BILLING_START + datetime.timedelta(days=1)

    period = period_at(start, cycle, max_periods(cycle))

    assert period.end <= datetime.date.max


def test_add_months_beyond_last_date_names_dates():
    with pytest.raises(ValueError, match="is beyond the last date, 9999-12-31"):
        add_months(datetime.date(9999, 12, 1), 1)


# Payments


def test_huge_payment_rejected_by_full_clean():
    instance = billed_instance()
    payment = payment_for(instance, HUGE)

    errors = _errors(payment)

    assert list(errors) == ["amount"]
    assert errors["amount"] == [
        f"999,999,999,999.99 EUR is more than instance {instance} can take: "
        f"money pays at most 1200 monthly periods ({MAX_PREPAID_YEARS} years) "
        "of 79.00 EUR from the billing start, and 0.00 EUR is already paid. "
        "Expected at most 94,800.00 EUR."
    ]


def test_huge_payment_rejected_by_record_payment():
    instance = billed_instance()

    with pytest.raises(ValidationError) as caught:
        record_payment(amount=HUGE, instance=instance)

    instance.refresh_from_db()
    assert list(caught.value.message_dict) == ["amount"]
    assert not Payment.objects.exists()
    assert instance.paid_up_to is None


def test_payment_up_to_limit_accepted():
    instance = billed_instance()
    PaymentFactory(customer=instance.customer, instance=instance, amount=Decimal(79))
    payment = payment_for(instance, Decimal("94721.00"))

    payment.full_clean()
    payment.save()

    instance.refresh_from_db()
    assert instance.paid_up_to == datetime.date(2125, 12, 31)


def test_payment_one_cent_beyond_limit_rejected():
    instance = billed_instance()
    PaymentFactory(customer=instance.customer, instance=instance, amount=Decimal(79))
    payment = payment_for(instance, Decimal("94721.01"))

    errors = _errors(payment)

    assert "Expected at most 94,721.00 EUR." in errors["amount"][0]
    assert "and 79.00 EUR is already paid" in errors["amount"][0]


def test_pending_huge_payment_rejected():
    instance = billed_instance()
    payment = payment_for(instance, HUGE, status=PaymentStatus.PENDING)

    errors = _errors(payment)

    assert list(errors) == ["amount"]


def test_completing_payment_rechecks_limit():
    instance = billed_instance()
    pending = payment_for(instance, Decimal("60000.00"), status=PaymentStatus.PENDING)
    pending.save()
    payment_for(instance, Decimal("60000.00")).save()

    pending.status = PaymentStatus.COMPLETED
    errors = _errors(pending)

    assert "Expected at most 34,800.00 EUR." in errors["amount"][0]


def test_completed_payment_notes_edit_skips_limit():
    instance = billed_instance()
    payment = payment_for(instance, Decimal("79.00"))
    payment.save()
    Instance.objects.filter(pk=instance.pk).update(price=Decimal("0.01"))

    payment.notes = "Paid by the head office."
    payment.full_clean()

    assert payment.notes == "Paid by the head office."


def test_trial_instance_payment_checked_against_limit():
    instance = InstanceFactory(state=InstanceState.TRIAL, price=Decimal("79.00"))
    payment = payment_for(instance, HUGE)

    errors = _errors(payment)

    assert list(errors) == ["amount"]


def test_refund_not_checked_against_limit():
    instance = billed_instance()
    original = payment_for(instance, Decimal("79.00"))
    original.save()
    refund = payment_for(
        instance, Decimal("79.00"), kind=PaymentKind.REFUND, refund_of=original
    )

    refund.full_clean()

    assert refund.amount == Decimal("79.00")


# Free instances


def test_payment_for_free_instance_rejected():
    instance = billed_instance(price=Decimal("0.00"))
    payment = payment_for(instance, Decimal("10.00"))

    errors = _errors(payment)

    assert list(errors) == ["instance"]
    assert errors["instance"] == [
        f"Instance {instance} is free (its price is 0.00 EUR), so it takes no "
        f"payments. Record the money for customer {instance.customer} without "
        "an instance, or give the instance a price first."
    ]


def test_payment_for_customer_of_free_instance_accepted():
    instance = billed_instance(price=Decimal("0.00"))
    payment = payment_for(instance, Decimal("10.00"))
    payment.instance = None

    payment.full_clean()
    payment.save()

    assert payment.pk is not None


def test_free_instance_has_no_paid_up_date():
    instance = billed_instance(price=Decimal("0.00"))

    position = refresh_paid_up_to(instance)

    assert not position.is_billed
    assert instance.paid_up_to is None


# Rows written around the checks


def test_position_beyond_limit_clamped(caplog):
    instance = billed_instance()
    payment = payment_for(instance, Decimal("79.00"))
    payment.save()
    Payment.objects.filter(pk=payment.pk).update(amount=HUGE)

    with caplog.at_level(logging.WARNING, logger="saas_manager.billing.paid_up"):
        position = compute_position(instance)

    assert position.periods_paid == 1200
    assert position.paid_up_to == datetime.date(2125, 12, 31)
    assert position.amount_due == Decimal("0.00")
    assert position.spans[payment.pk] == (JANUARY_1, datetime.date(2126, 1, 31))
    assert "more than the limit of 1200" in caplog.text


def test_payment_save_after_tiny_price_written_directly():
    instance = billed_instance()
    payment_for(instance, Decimal("2449.00")).save()
    Instance.objects.filter(pk=instance.pk).update(price=Decimal("0.01"))
    instance.refresh_from_db()

    position = refresh_paid_up_to(instance)

    assert position.paid_up_to == datetime.date(2125, 12, 31)
