"""The rules of refunds hold in Payment.clean() and save(), on every write path."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from saas_manager.billing.models import Payment, PaymentKind, PaymentStatus
from saas_manager.billing.services import refund_payment
from tests.factories import InstanceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 2, 1)


def _errors(record) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    return caught.value.message_dict


def payment_of(amount: str = "100.00", **fields) -> Payment:
    instance = InstanceFactory()
    values = {
        "customer": instance.customer,
        "instance": instance,
        "amount": Decimal(amount),
        **fields,
    }
    return PaymentFactory(**values)


def refund_of(original: Payment, amount: str, **fields) -> Payment:
    values = {
        "customer": original.customer,
        "instance": original.instance,
        "kind": PaymentKind.REFUND,
        "refund_of": original,
        "amount": Decimal(amount),
        "currency": original.currency,
        "status": PaymentStatus.PENDING,
        "date": DAY,
        **fields,
    }
    return Payment(**values)


def test_refund_within_payment_accepted():
    original = payment_of("100.00")
    refund = refund_of(original, "100.00")

    refund.full_clean()
    refund.save()

    assert refund.pk is not None


def test_refund_above_payment_rejected():
    original = payment_of("100.00")
    refund = refund_of(original, "100.01")

    errors = _errors(refund)

    assert list(errors) == ["amount"]
    assert errors["amount"] == [
        f"100.01 EUR is more than the 100.00 EUR left to refund of payment "
        f"{original.pk}. Expected 100.00 EUR or less."
    ]


@pytest.mark.parametrize("status", [PaymentStatus.PENDING, PaymentStatus.COMPLETED])
def test_refunds_together_above_payment_rejected(status):
    original = payment_of("100.00")
    refund_of(original, "60.00", status=status).save()
    refund = refund_of(original, "50.00")

    errors = _errors(refund)

    assert errors["amount"] == [
        f"50.00 EUR is more than the 40.00 EUR left to refund of payment "
        f"{original.pk}. Expected 40.00 EUR or less."
    ]


@pytest.mark.parametrize("status", [PaymentStatus.FAILED, PaymentStatus.CANCELLED])
def test_returned_nothing_refund_not_counted(status):
    original = payment_of("100.00")
    refund_of(original, "60.00", status=status).save()
    refund = refund_of(original, "100.00")

    refund.full_clean()

    assert refund.amount == Decimal("100.00")


def test_pending_refund_edited_above_payment_rejected():
    original = payment_of("100.00")
    refund = refund_of(original, "30.00")
    refund.save()
    refund_of(original, "50.00").save()

    refund.amount = Decimal("60.00")
    errors = _errors(refund)

    assert errors["amount"] == [
        f"60.00 EUR is more than the 50.00 EUR left to refund of payment "
        f"{original.pk}. Expected 50.00 EUR or less."
    ]


def test_pending_refund_edited_within_payment_accepted():
    original = payment_of("100.00")
    refund = refund_of(original, "30.00")
    refund.save()

    refund.amount = Decimal("100.00")
    refund.full_clean()

    assert refund.amount == Decimal("100.00")


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (PaymentStatus.PENDING, "Pending"),
        (PaymentStatus.FAILED, "Failed"),
        (PaymentStatus.CANCELLED, "Cancelled"),
    ],
)
def test_refund_of_not_completed_payment_rejected(status, label):
    original = payment_of("100.00", status=status)
    refund = refund_of(original, "10.00")

    errors = _errors(refund)

    assert list(errors) == ["refund_of"]
    assert errors["refund_of"] == [
        f"Payment {original.pk} is {label}. Only a completed payment can be refunded."
    ]


def test_refund_in_other_currency_rejected():
    original = payment_of("100.00")
    refund = refund_of(original, "10.00", currency="USD")

    errors = _errors(refund)

    assert (
        "A refund is in the currency of its payment, EUR, not USD."
        in (errors["currency"])
    )


def test_save_rejects_refund_above_payment():
    original = payment_of("100.00")
    refund_of(original, "80.00").save()
    refund = refund_of(original, "30.00")

    with pytest.raises(ValidationError) as caught:
        refund.save()

    assert "amount" in caught.value.message_dict
    assert original.refunds.count() == 1


def test_save_rejects_refund_of_pending_payment():
    original = payment_of("100.00", status=PaymentStatus.PENDING)

    with pytest.raises(ValidationError) as caught:
        refund_of(original, "10.00").save()

    assert "refund_of" in caught.value.message_dict
    assert not original.refunds.exists()


def test_completing_refund_rechecks_total():
    original = payment_of("100.00")
    first = refund_of(original, "70.00")
    first.save()
    # Written around the checks, as an old row might be.
    second = refund_of(original, "50.00", status=PaymentStatus.FAILED)
    second.save()
    Payment.objects.filter(pk=second.pk).update(status=PaymentStatus.PENDING)
    second.refresh_from_db()

    second.status = PaymentStatus.COMPLETED
    errors = _errors(second)

    assert errors["amount"][0].startswith("50.00 EUR is more than the 30.00 EUR")


def test_refund_service_reports_rule_once():
    original = payment_of("100.00")

    with pytest.raises(ValidationError) as caught:
        refund_payment(original, Decimal("150.00"))

    assert caught.value.message_dict == {
        "amount": [
            f"150.00 EUR is more than the 100.00 EUR left to refund of payment "
            f"{original.pk}. Expected 100.00 EUR or less."
        ]
    }


def test_negative_amount_reported_once():
    original = payment_of("100.00")
    payment = Payment(
        customer=original.customer,
        amount=Decimal("-5"),
        currency="EUR",
        date=DAY,
    )

    errors = _errors(payment)

    assert errors["amount"] == [
        "-5 is not a positive amount. Expected more than zero, because a "
        "refund is also recorded as a positive amount."
    ]
