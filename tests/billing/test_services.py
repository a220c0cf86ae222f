import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from saas_manager.billing.choices import PaymentKind, PaymentMethod, PaymentStatus
from saas_manager.billing.models import Payment
from saas_manager.billing.paid_up import compute_position, refresh_paid_up_to
from saas_manager.billing.periods import period_at
from saas_manager.billing.services import (
    PaymentEffect,
    cancel_payment,
    complete_payment,
    fail_payment,
    propose_next_payment,
    reactivate_if_paid,
    record_payment,
    refund_payment,
)
from saas_manager.customers.models import CustomerStatus
from saas_manager.hosting.models import ActorKind, InstanceState, SuspensionKind
from tests.factories import CustomerFactory
from tests.hosting.states import instance_in

pytestmark = pytest.mark.django_db

date = datetime.date
ONE_DAY = datetime.timedelta(days=1)


def overdue_suspended(kind):
    """Return a suspended instance that owes one period of 49.00."""
    today = timezone.localdate()
    return instance_in(
        InstanceState.SUSPENDED,
        suspension_kind=kind,
        billing_start=today - datetime.timedelta(days=20),
        paid_up_to=today - datetime.timedelta(days=21),
        price=Decimal("49.00"),
    )


def test_payment_lifts_overdue_suspension():
    instance = overdue_suspended(SuspensionKind.OVERDUE)

    result = record_payment(instance=instance, amount=Decimal("49.00"))

    instance.refresh_from_db()
    assert result.effect == PaymentEffect.REACTIVATED
    assert instance.state == InstanceState.ACTIVE
    assert result.event.actor_kind == ActorKind.PAYMENT
    assert result.event.payment == result.payment
    assert instance.customer.status == CustomerStatus.ACTIVE
    assert "Active again" in result.message


def test_payment_keeps_manual_suspension():
    instance = overdue_suspended(SuspensionKind.MANUAL)

    result = record_payment(instance=instance, amount=Decimal("49.00"))

    instance.refresh_from_db()
    assert result.effect == PaymentEffect.MANUAL_SUSPENSION_KEPT
    assert instance.state == InstanceState.SUSPENDED
    assert instance.paid_up_to > timezone.localdate()
    assert "suspended by hand" in result.message


def test_short_payment_keeps_overdue_suspension():
    instance = overdue_suspended(SuspensionKind.OVERDUE)

    result = record_payment(instance=instance, amount=Decimal("20.00"))

    instance.refresh_from_db()
    assert result.effect == PaymentEffect.STILL_DUE
    assert instance.state == InstanceState.SUSPENDED
    assert "29.00 EUR is still due" in result.message


def test_pending_payment_changes_nothing():
    instance = overdue_suspended(SuspensionKind.OVERDUE)

    result = record_payment(
        instance=instance, amount=Decimal("49.00"), status=PaymentStatus.PENDING
    )

    instance.refresh_from_db()
    assert result.effect == PaymentEffect.NONE
    assert instance.state == InstanceState.SUSPENDED


def test_completing_pending_payment_reactivates():
    instance = overdue_suspended(SuspensionKind.OVERDUE)
    pending = record_payment(
        instance=instance, amount=Decimal("49.00"), status=PaymentStatus.PENDING
    ).payment

    result = complete_payment(pending)

    instance.refresh_from_db()
    assert result.effect == PaymentEffect.REACTIVATED
    assert instance.state == InstanceState.ACTIVE


def test_failed_payment_changes_nothing():
    instance = overdue_suspended(SuspensionKind.OVERDUE)
    pending = record_payment(
        instance=instance, amount=Decimal("49.00"), status=PaymentStatus.PENDING
    ).payment

    fail_payment(pending, reason="Card declined")

    instance.refresh_from_db()
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.FAILED
    assert "Card declined" in pending.notes
    assert instance.state == InstanceState.SUSPENDED


def test_payment_converts_trial():
    trial_end = timezone.localdate() + datetime.timedelta(days=5)
    instance = instance_in(InstanceState.TRIAL, trial_end_date=trial_end)

    result = record_payment(instance=instance, amount=Decimal("49.00"))

    instance.refresh_from_db()
    assert result.effect == PaymentEffect.CONVERTED
    assert instance.state == InstanceState.ACTIVE
    assert instance.billing_start == trial_end + ONE_DAY
    first_period = period_at(instance.billing_start, instance.billing_cycle, 0)
    assert instance.paid_up_to == first_period.end


def test_payment_reactivates_expired_from_today():
    instance = instance_in(InstanceState.EXPIRED, price=Decimal("49.00"))

    result = record_payment(instance=instance, amount=Decimal("49.00"))

    instance.refresh_from_db()
    assert result.effect == PaymentEffect.REACTIVATED
    assert instance.state == InstanceState.ACTIVE
    assert instance.billing_start == timezone.localdate()


def test_short_payment_keeps_expired():
    instance = instance_in(InstanceState.EXPIRED, price=Decimal("49.00"))

    result = record_payment(instance=instance, amount=Decimal("48.99"))

    instance.refresh_from_db()
    assert result.effect == PaymentEffect.STILL_DUE
    assert instance.state == InstanceState.EXPIRED
    assert instance.billing_start is None


def test_payment_never_revives_terminated():
    instance = instance_in(InstanceState.TERMINATED)

    result = record_payment(instance=instance, amount=Decimal("49.00"))

    instance.refresh_from_db()
    assert result.effect == PaymentEffect.TERMINATED_KEPT
    assert instance.state == InstanceState.TERMINATED
    assert "does not revive it" in result.message


def test_reactivate_if_paid_by_automation():
    instance = overdue_suspended(SuspensionKind.OVERDUE)
    record_payment(
        instance=instance, amount=Decimal("49.00"), status=PaymentStatus.PENDING
    )
    Payment.objects.filter(instance=instance).update(status=PaymentStatus.COMPLETED)
    refresh_paid_up_to(instance)
    result = reactivate_if_paid(instance)

    instance.refresh_from_db()
    assert result.effect == PaymentEffect.REACTIVATED
    assert result.event.actor_kind == ActorKind.AUTOMATION
    assert instance.state == InstanceState.ACTIVE


def test_reactivate_if_paid_ignores_active():
    instance = instance_in(InstanceState.ACTIVE)

    assert reactivate_if_paid(instance) is None


def test_other_currency_rejected():
    instance = instance_in(InstanceState.ACTIVE, currency="EUR")

    with pytest.raises(ValidationError) as raised:
        record_payment(instance=instance, amount=Decimal("49.00"), currency="USD")

    assert "USD is not the currency" in raised.value.message_dict["currency"][0]
    assert not Payment.objects.exists()


def test_float_amount_rejected():
    instance = instance_in(InstanceState.ACTIVE)

    with pytest.raises(ValidationError) as raised:
        record_payment(instance=instance, amount=19.99)

    assert "19.99 is not a valid amount" in raised.value.message_dict["amount"][0]


@pytest.mark.parametrize("amount", ["0", "-5.00", "NaN"])
def test_amount_not_positive_rejected(amount):
    instance = instance_in(InstanceState.ACTIVE)

    with pytest.raises(ValidationError) as raised:
        record_payment(instance=instance, amount=Decimal(amount))

    assert "Expected more than zero" in raised.value.message_dict["amount"][0]


def test_too_many_decimals_rejected():
    instance = instance_in(InstanceState.ACTIVE)

    with pytest.raises(ValidationError) as raised:
        record_payment(instance=instance, amount=Decimal("10.005"))

    assert "amount" in raised.value.message_dict


def test_customer_payment_without_instance():
    customer = CustomerFactory()

    result = record_payment(customer=customer, amount=Decimal("10.00"))

    customer.refresh_from_db()
    assert result.created
    assert result.payment.currency == customer.currency
    assert customer.status == CustomerStatus.TERMINATED


def test_same_reference_other_method_stored():
    instance = instance_in(InstanceState.ACTIVE)
    record_payment(
        instance=instance,
        amount=Decimal("49.00"),
        method=PaymentMethod.STRIPE,
        transaction_reference="ch_1",
    )

    result = record_payment(
        instance=instance,
        amount=Decimal("49.00"),
        method=PaymentMethod.PAYPAL,
        transaction_reference="ch_1",
    )

    assert result.created
    assert Payment.objects.count() == 2


def test_duplicate_reference_changes_nothing():
    instance = instance_in(InstanceState.ACTIVE)
    first = record_payment(
        instance=instance, amount=Decimal("49.00"), transaction_reference="T-1"
    )

    again = record_payment(
        instance=instance, amount=Decimal("99.00"), transaction_reference="T-1"
    )

    assert again.effect == PaymentEffect.DUPLICATE
    assert not again.created
    assert again.payment.pk == first.payment.pk
    assert again.payment.amount == Decimal("49.00")
    assert "already recorded" in again.message


def test_partial_refunds_up_to_payment():
    instance = instance_in(InstanceState.ACTIVE)
    payment = record_payment(instance=instance, amount=Decimal("49.00")).payment

    refund_payment(payment, Decimal("20.00"))
    refund_payment(payment, Decimal("29.00"))

    with pytest.raises(ValidationError) as raised:
        refund_payment(payment, Decimal("0.01"))
    assert "0.00 EUR left to refund" in raised.value.message_dict["amount"][0]
    assert payment.refunds.count() == 2


def test_refund_more_than_payment_rejected():
    instance = instance_in(InstanceState.ACTIVE)
    payment = record_payment(instance=instance, amount=Decimal("49.00")).payment

    with pytest.raises(ValidationError) as raised:
        refund_payment(payment, Decimal("49.01"))

    assert (
        "49.01 EUR is more than the 49.00 EUR"
        in (raised.value.message_dict["amount"][0])
    )
    assert not payment.refunds.exists()


def test_refund_other_currency_rejected():
    instance = instance_in(InstanceState.ACTIVE)
    payment = record_payment(instance=instance, amount=Decimal("49.00")).payment

    with pytest.raises(ValidationError) as raised:
        refund_payment(payment, Decimal("10.00"), currency="USD")

    assert "currency" in raised.value.message_dict


def test_refund_of_pending_payment_rejected():
    instance = instance_in(InstanceState.ACTIVE)
    payment = record_payment(
        instance=instance, amount=Decimal("49.00"), status=PaymentStatus.PENDING
    ).payment

    with pytest.raises(ValidationError) as raised:
        refund_payment(payment, Decimal("10.00"))

    assert "Only a completed payment" in raised.value.message_dict["refund_of"][0]


def test_refund_keeps_instance_and_currency():
    instance = instance_in(InstanceState.ACTIVE)
    payment = record_payment(instance=instance, amount=Decimal("49.00")).payment

    refund = refund_payment(payment, Decimal("10.00")).payment

    assert refund.kind == PaymentKind.REFUND
    assert refund.instance == instance
    assert refund.currency == "EUR"
    assert refund.refund_of == payment


def test_cancel_pending_payment():
    instance = instance_in(InstanceState.ACTIVE)
    payment = record_payment(
        instance=instance, amount=Decimal("49.00"), status=PaymentStatus.PENDING
    ).payment

    cancel_payment(payment, reason="Entered twice")

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert not Payment.objects.filter(kind=PaymentKind.REFUND).exists()


def test_cancel_completed_payment_adds_entry():
    instance = instance_in(InstanceState.ACTIVE)
    payment = record_payment(instance=instance, amount=Decimal("49.00")).payment
    refund_payment(payment, Decimal("9.00"))

    result = cancel_payment(payment, reason="Wrong customer")

    payment.refresh_from_db()
    instance.refresh_from_db()
    entry = result.payment
    assert payment.status == PaymentStatus.COMPLETED
    assert entry.is_cancellation
    assert entry.amount == Decimal("40.00")
    assert entry.notes == "Wrong customer"
    assert compute_position(instance).total_applied == Decimal(0)
    assert instance.paid_up_to == instance.billing_start - ONE_DAY


def test_cancel_needs_reason():
    instance = instance_in(InstanceState.ACTIVE)
    payment = record_payment(instance=instance, amount=Decimal("49.00")).payment

    with pytest.raises(ValidationError) as raised:
        cancel_payment(payment, reason="")

    assert "reason" in raised.value.message_dict


def test_cancel_twice_rejected():
    instance = instance_in(InstanceState.ACTIVE)
    payment = record_payment(instance=instance, amount=Decimal("49.00")).payment
    cancel_payment(payment, reason="Wrong customer")

    with pytest.raises(ValidationError) as raised:
        cancel_payment(payment, reason="Again")

    assert "nothing is left" in raised.value.message_dict["amount"][0]


def test_cancel_completed_refund_rejected():
    instance = instance_in(InstanceState.ACTIVE)
    payment = record_payment(instance=instance, amount=Decimal("49.00")).payment
    refund = refund_payment(payment, Decimal("9.00")).payment

    with pytest.raises(ValidationError) as raised:
        cancel_payment(refund, reason="Mistake")

    assert "cannot be cancelled" in raised.value.message_dict["kind"][0]


def test_propose_next_unpaid_period():
    instance = instance_in(
        InstanceState.ACTIVE,
        billing_start=date(2025, 1, 31),
        price=Decimal("60.60"),
    )
    record_payment(instance=instance, amount=Decimal("70.60"))

    proposal = propose_next_payment(instance, today=date(2025, 2, 10))

    assert proposal.period.start == date(2025, 2, 28)
    assert proposal.period.end == date(2025, 3, 30)
    assert proposal.amount == Decimal("50.60")
    assert proposal.price == Decimal("60.60")
    assert proposal.currency == "EUR"


def test_propose_for_trial_starts_after_trial():
    trial_end = date(2025, 3, 14)
    instance = instance_in(InstanceState.TRIAL, trial_end_date=trial_end)

    proposal = propose_next_payment(instance, today=date(2025, 3, 1))

    assert proposal.period.start == date(2025, 3, 15)
    assert proposal.amount == instance.price


def test_propose_rejects_free_instance():
    instance = instance_in(InstanceState.ACTIVE, price=Decimal("0"))

    with pytest.raises(ValidationError):
        propose_next_payment(instance)
