import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from saas_manager.automation.operator import get_operator_settings
from saas_manager.billing.choices import PaymentMethod
from saas_manager.billing.paid_up import (
    amount_overdue,
    business_date,
    compute_position,
    is_overdue,
    refresh_paid_up_to,
)
from saas_manager.billing.services import record_payment, refund_payment
from saas_manager.catalog.models import BillingCycle
from saas_manager.hosting.lifecycle import Actor, RuleNotMet, suspend
from saas_manager.hosting.models import InstanceState, SuspensionKind
from tests.factories import InstanceFactory

pytestmark = pytest.mark.django_db

date = datetime.date
UTC = datetime.UTC


@pytest.fixture
def monthly():
    return InstanceFactory(
        state=InstanceState.ACTIVE,
        billing_start=date(2025, 1, 31),
        price=Decimal("60.60"),
    )


FEBRUARY_1 = date(2025, 2, 1)


def pay(instance, amount, day=FEBRUARY_1, reference=""):
    result = record_payment(
        instance=instance,
        amount=Decimal(amount),
        date=day,
        method=PaymentMethod.BANK_TRANSFER,
        transaction_reference=reference,
    )
    return result.payment


def test_partial_payments_pay_period_exactly(monthly):
    first = pay(monthly, "10.10")
    pay(monthly, "20.20")
    pay(monthly, "30.30")

    monthly.refresh_from_db()
    first.refresh_from_db()
    position = compute_position(monthly)
    assert monthly.paid_up_to == date(2025, 2, 27)
    assert position.periods_paid == 1
    assert position.amount_due == Decimal("60.60")
    assert position.next_period.start == date(2025, 2, 28)
    assert first.period_start == date(2025, 1, 31)
    assert first.period_end == date(2025, 2, 27)


def test_partial_payments_leave_amount_due(monthly):
    pay(monthly, "10.10")
    pay(monthly, "20.20")

    monthly.refresh_from_db()
    position = compute_position(monthly)
    assert position.periods_paid == 0
    assert monthly.paid_up_to == date(2025, 1, 30)
    assert position.amount_due == Decimal("30.30")
    assert position.next_period.start == date(2025, 1, 31)


def test_unpaid_instance_paid_up_to_day_before_start(monthly):
    position = refresh_paid_up_to(monthly)

    monthly.refresh_from_db()
    assert monthly.paid_up_to == date(2025, 1, 30)
    assert position.amount_due == Decimal("60.60")


def test_one_payment_pays_several_periods(monthly):
    payment = pay(monthly, "181.80")

    monthly.refresh_from_db()
    payment.refresh_from_db()
    assert monthly.paid_up_to == date(2025, 4, 29)
    assert payment.period_start == date(2025, 1, 31)
    assert payment.period_end == date(2025, 4, 29)


def test_payment_span_covers_partial_period(monthly):
    pay(monthly, "30.30")
    second = pay(monthly, "60.60")

    second.refresh_from_db()
    assert second.period_start == date(2025, 1, 31)
    assert second.period_end == date(2025, 3, 30)


def test_early_renewal_extends_run(monthly):
    pay(monthly, "60.60", day=date(2025, 2, 1))

    pay(monthly, "60.60", day=date(2025, 2, 10))

    monthly.refresh_from_db()
    assert monthly.paid_up_to == date(2025, 3, 30)


def test_yearly_run_keeps_anchor():
    instance = InstanceFactory(
        state=InstanceState.ACTIVE,
        billing_cycle=BillingCycle.YEARLY,
        billing_start=date(2024, 2, 29),
        price=Decimal("490.00"),
    )

    pay(instance, "980.00", day=date(2024, 3, 1))

    instance.refresh_from_db()
    assert instance.paid_up_to == date(2026, 2, 27)


def test_saving_completed_payment_again(monthly):
    payment = pay(monthly, "60.60")
    monthly.refresh_from_db()
    before = monthly.paid_up_to

    payment.save()
    payment.refresh_from_db()
    payment.save()

    monthly.refresh_from_db()
    assert monthly.paid_up_to == before
    assert monthly.payments.count() == 1


def test_same_reference_recorded_twice(monthly):
    first = pay(monthly, "60.60", reference="BANK-2025-0001")
    monthly.refresh_from_db()
    before = monthly.paid_up_to

    second = pay(monthly, "60.60", reference="BANK-2025-0001")

    monthly.refresh_from_db()
    assert second.pk == first.pk
    assert monthly.paid_up_to == before
    assert monthly.payments.count() == 1


def test_full_refund_moves_back_one_period(monthly):
    pay(monthly, "60.60", day=date(2025, 2, 1))
    second = pay(monthly, "60.60", day=date(2025, 2, 20))
    monthly.refresh_from_db()
    assert monthly.paid_up_to == date(2025, 3, 30)

    refund_payment(second, Decimal("60.60"))

    monthly.refresh_from_db()
    second.refresh_from_db()
    assert monthly.paid_up_to == date(2025, 2, 27)
    assert second.period_start is None
    assert second.period_end is None


def test_partial_refund_leaves_period_unpaid(monthly):
    payment = pay(monthly, "121.20")

    refund_payment(payment, Decimal("0.01"))

    monthly.refresh_from_db()
    position = compute_position(monthly)
    assert monthly.paid_up_to == date(2025, 2, 27)
    assert position.amount_due == Decimal("0.01")


def test_pending_refund_keeps_paid_up(monthly):
    payment = pay(monthly, "60.60")

    refund_payment(payment, Decimal("60.60"), status="pending")

    monthly.refresh_from_db()
    assert monthly.paid_up_to == date(2025, 2, 27)


def test_instance_without_billing_start_unbilled():
    instance = InstanceFactory(state=InstanceState.TRIAL)

    position = refresh_paid_up_to(instance)

    instance.refresh_from_db()
    assert instance.paid_up_to is None
    assert not position.is_billed
    assert not is_overdue(instance.paid_up_to, date(2030, 1, 1))


def test_free_instance_never_overdue():
    instance = InstanceFactory(
        state=InstanceState.ACTIVE, billing_start=date(2025, 1, 1), price=Decimal(0)
    )

    refresh_paid_up_to(instance)

    instance.refresh_from_db()
    assert instance.paid_up_to is None


def test_overdue_after_grace_period():
    paid_up_to = date(2025, 3, 1)

    assert not is_overdue(paid_up_to, date(2025, 3, 8))
    assert is_overdue(paid_up_to, date(2025, 3, 9))


def test_overdue_follows_operator_grace():
    row = get_operator_settings()
    row.grace_period_days = 0
    row.save()

    assert not is_overdue(date(2025, 3, 1), date(2025, 3, 1))
    assert is_overdue(date(2025, 3, 1), date(2025, 3, 2))


def test_business_date_in_operator_zone(settings):
    settings.TIME_ZONE = "Europe/Brussels"
    # 22:30 UTC on 31 March is 00:30 on 1 April in Brussels (UTC+2).
    moment = datetime.datetime(2025, 3, 31, 22, 30, tzinfo=UTC)

    today = business_date(moment)

    assert moment.date() == date(2025, 3, 31)
    assert today == date(2025, 4, 1)
    assert is_overdue(date(2025, 3, 24), today)
    assert not is_overdue(date(2025, 3, 24), moment.date())


def test_overdue_suspension_uses_operator_date(settings):
    settings.TIME_ZONE = "Europe/Brussels"
    instance = InstanceFactory(
        state=InstanceState.ACTIVE,
        billing_start=date(2025, 2, 25),
        paid_up_to=date(2025, 3, 24),
    )
    still_today = datetime.datetime(2025, 3, 31, 21, 30, tzinfo=UTC)
    already_tomorrow = datetime.datetime(2025, 3, 31, 22, 30, tzinfo=UTC)

    with pytest.raises(RuleNotMet):
        suspend(
            instance,
            actor=Actor.automation(),
            kind=SuspensionKind.OVERDUE,
            at=still_today,
        )
    suspend(
        instance,
        actor=Actor.automation(),
        kind=SuspensionKind.OVERDUE,
        at=already_tomorrow,
    )

    instance.refresh_from_db()
    assert instance.state == InstanceState.SUSPENDED


def test_amount_overdue_counts_begun_periods(monthly):
    pay(monthly, "30.30")

    owed = amount_overdue(monthly, today=date(2025, 3, 15))

    assert owed == Decimal("90.90")


def test_amount_overdue_zero_within_grace(monthly):
    pay(monthly, "30.30")

    owed = amount_overdue(monthly, today=date(2025, 2, 5))

    assert owed == Decimal("0.00")


def test_paid_up_uses_local_date_on_payment(settings, time_machine):
    settings.TIME_ZONE = "Europe/Brussels"
    time_machine.move_to(datetime.datetime(2025, 3, 31, 22, 30, tzinfo=UTC))
    instance = InstanceFactory(
        state=InstanceState.ACTIVE, billing_start=date(2025, 1, 1)
    )

    payment = pay(instance, "49.00", day=None)

    assert timezone.now().date() == date(2025, 3, 31)
    assert payment.date == date(2025, 4, 1)


def test_compute_position_with_known_net(monthly, django_assert_num_queries):
    expected = compute_position(monthly)

    with django_assert_num_queries(0):
        position = compute_position(monthly, net=[])

    assert position == expected
    assert position.paid_up_to == date(2025, 1, 30)
