import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from saas_manager.billing.models import (
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentStatus,
)
from tests.factories import CustomerFactory, InstanceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

JANUARY_1 = datetime.date(2026, 1, 1)
JANUARY_31 = datetime.date(2026, 1, 31)


def _errors(record) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    return caught.value.message_dict


def _payment(**fields) -> Payment:
    defaults = {
        "customer": CustomerFactory(),
        "amount": Decimal("49.00"),
        "currency": "EUR",
        "method": PaymentMethod.BANK_TRANSFER,
        "status": PaymentStatus.PENDING,
        "date": datetime.date(2026, 1, 15),
    }
    return Payment(**{**defaults, **fields})


def _refund_of(original: Payment, **fields) -> Payment:
    return _payment(
        customer=original.customer,
        kind=PaymentKind.REFUND,
        refund_of=original,
        amount=Decimal("10.00"),
        currency=original.currency,
        **fields,
    )


def test_payment_valid_accepted():
    payment = _payment(period_start=JANUARY_1, period_end=JANUARY_31)

    payment.full_clean()
    payment.save()

    payment.refresh_from_db()
    assert payment.amount == Decimal("49.00")


# Amount


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("0.00"), Decimal("-1")])
def test_amount_not_positive_rejected_by_full_clean(amount):
    payment = _payment(amount=amount)

    errors = _errors(payment)

    assert "amount" in errors
    assert any(
        f"{amount} is not a positive amount" in message for message in errors["amount"]
    )


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1")])
def test_amount_not_positive_rejected_by_database(amount):
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentFactory(amount=amount)


def test_refund_amount_not_positive_rejected():
    original = PaymentFactory()
    refund = _refund_of(original)
    refund.amount = Decimal("-10.00")

    errors = _errors(refund)

    assert "amount" in errors
    assert any("-10.00 is not a positive amount" in m for m in errors["amount"])


@pytest.mark.parametrize(
    ("currency", "amount"), [("JPY", Decimal("100.5")), ("EUR", Decimal("19.999"))]
)
def test_amount_with_more_decimals_than_currency_rejected(currency, amount):
    payment = _payment(currency=currency, amount=amount)

    errors = _errors(payment)

    assert list(errors) == ["amount"]
    assert any(
        f"{amount} has more decimals than {currency} allows" in message
        for message in errors["amount"]
    )


def test_amount_in_yen_without_decimals_accepted():
    payment = _payment(currency="JPY", amount=Decimal("5000"))

    payment.full_clean()
    payment.save()

    payment.refresh_from_db()
    assert payment.amount == Decimal("5000")


def test_amount_float_rejected():
    payment = _payment(amount=49.9)

    errors = _errors(payment)

    assert list(errors) == ["amount"]
    assert "49.9 is a float" in errors["amount"][0]


def test_amount_reads_back_as_decimal():
    payment = PaymentFactory(amount=Decimal("19.99"))

    payment.refresh_from_db()

    assert type(payment.amount) is Decimal
    assert payment.amount == Decimal("19.99")


@pytest.mark.parametrize("currency", ["EURO", "eur", "XXX", "ABC"])
def test_currency_rejected(currency):
    payment = _payment(currency=currency)

    errors = _errors(payment)

    assert "currency" in errors
    assert any(currency in message for message in errors["currency"])


# Transaction reference


def test_reference_taken_for_method_rejected_by_full_clean():
    PaymentFactory(method=PaymentMethod.STRIPE, transaction_reference="ch_3Nx1")
    payment = _payment(method=PaymentMethod.STRIPE, transaction_reference="ch_3Nx1")

    errors = _errors(payment)

    assert list(errors) == ["transaction_reference"]
    message = errors["transaction_reference"][0]
    assert "Stripe transaction ch_3Nx1 is already recorded" in message


def test_reference_taken_for_method_rejected_by_database():
    PaymentFactory(method=PaymentMethod.STRIPE, transaction_reference="ch_3Nx1")

    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentFactory(method=PaymentMethod.STRIPE, transaction_reference="ch_3Nx1")


def test_reference_with_another_method_accepted():
    PaymentFactory(method=PaymentMethod.STRIPE, transaction_reference="REF-1")
    payment = _payment(method=PaymentMethod.PAYPAL, transaction_reference="REF-1")

    payment.full_clean()
    payment.save()

    assert Payment.objects.filter(transaction_reference="REF-1").count() == 2


def test_reference_blank_not_unique():
    PaymentFactory(transaction_reference="")
    payment = _payment(transaction_reference="")

    payment.full_clean()
    payment.save()

    assert Payment.objects.filter(transaction_reference="").count() == 2


def test_reference_kept_on_resave():
    payment = PaymentFactory(
        status=PaymentStatus.PENDING, transaction_reference="ch_3Nx1"
    )

    payment.full_clean()

    assert payment.transaction_reference == "ch_3Nx1"


# Billing period


def test_period_end_before_start_rejected_by_full_clean():
    payment = _payment(period_start=JANUARY_31, period_end=JANUARY_1)

    errors = _errors(payment)

    assert list(errors) == ["period_end"]
    message = errors["period_end"][0]
    assert "2026-01-01" in message
    assert "2026-01-31" in message


def test_period_end_before_start_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentFactory(period_start=JANUARY_31, period_end=JANUARY_1)


def test_period_of_one_day_accepted():
    payment = _payment(period_start=JANUARY_1, period_end=JANUARY_1)

    payment.full_clean()
    payment.save()

    payment.refresh_from_db()
    assert payment.period_end == JANUARY_1


def test_period_without_end_rejected():
    payment = _payment(period_start=JANUARY_1)

    errors = _errors(payment)

    assert list(errors) == ["period_end"]
    assert "starts on 2026-01-01 but has no last day" in errors["period_end"][0]


def test_period_without_start_rejected():
    payment = _payment(period_end=JANUARY_31)

    errors = _errors(payment)

    assert list(errors) == ["period_start"]
    assert "ends on 2026-01-31 but has no first day" in errors["period_start"][0]


def test_period_half_given_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentFactory(period_start=JANUARY_1, period_end=None)


def test_period_absent_accepted():
    payment = _payment(period_start=None, period_end=None)

    payment.full_clean()
    payment.save()

    assert payment.period_start is None


# Refunds


def test_refund_of_payment_accepted():
    original = PaymentFactory(status=PaymentStatus.COMPLETED)
    refund = _refund_of(original)

    refund.full_clean()
    refund.save()

    assert list(original.refunds.all()) == [refund]


def test_refund_without_payment_rejected_by_full_clean():
    payment = _payment(kind=PaymentKind.REFUND)

    errors = _errors(payment)

    assert list(errors) == ["refund_of"]
    assert errors["refund_of"] == ["A refund must name the payment it returns."]


def test_refund_without_payment_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentFactory(kind=PaymentKind.REFUND, refund_of=None)


def test_payment_pointing_to_payment_rejected_by_full_clean():
    original = PaymentFactory(transaction_reference="ORIGINAL-1")
    payment = _payment(customer=original.customer, refund_of=original)

    errors = _errors(payment)

    assert list(errors) == ["refund_of"]
    message = errors["refund_of"][0]
    assert "Only a refund may name a payment it returns" in message
    assert "ORIGINAL-1" in message


def test_payment_pointing_to_payment_rejected_by_database():
    original = PaymentFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentFactory(kind=PaymentKind.PAYMENT, refund_of=original)


def test_refund_of_refund_rejected():
    original = PaymentFactory(status=PaymentStatus.COMPLETED)
    first_refund = _refund_of(original, transaction_reference="REFUND-1")
    first_refund.save()
    second_refund = _refund_of(first_refund)

    errors = _errors(second_refund)

    assert list(errors) == ["refund_of"]
    message = errors["refund_of"][0]
    assert "REFUND-1" in message
    assert "A refund can only return a payment" in message


def test_refund_in_another_currency_rejected():
    original = PaymentFactory(currency="EUR", status=PaymentStatus.COMPLETED)
    refund = _refund_of(original)
    refund.currency = "USD"

    errors = _errors(refund)

    assert list(errors) == ["currency"]
    message = errors["currency"][0]
    assert "EUR" in message
    assert "USD" in message


# Instance


def test_payment_in_instance_currency_accepted():
    instance = InstanceFactory(currency="EUR")
    payment = _payment(customer=instance.customer, instance=instance, currency="EUR")

    payment.full_clean()
    payment.save()

    assert list(instance.payments.all()) == [payment]


def test_payment_in_another_currency_than_instance_rejected():
    instance = InstanceFactory(database_name="acme-erp", currency="EUR")
    payment = _payment(customer=instance.customer, instance=instance, currency="USD")

    errors = _errors(payment)

    assert list(errors) == ["currency"]
    message = errors["currency"][0]
    assert "USD is not the currency of instance acme-erp" in message
    assert "EUR" in message


def test_payment_for_instance_of_another_customer_rejected():
    owner = CustomerFactory(name="Owner SA")
    payer = CustomerFactory(name="Payer SRL")
    instance = InstanceFactory(database_name="owner-erp", customer=owner)
    payment = _payment(customer=payer, instance=instance)

    errors = _errors(payment)

    assert list(errors) == ["instance"]
    message = errors["instance"][0]
    assert "owner-erp" in message
    assert "Owner SA" in message
    assert "Payer SRL" in message


def test_payment_errors_reported_together():
    instance = InstanceFactory(currency="EUR")
    payment = _payment(
        customer=instance.customer,
        instance=instance,
        currency="USD",
        amount=Decimal("0"),
        period_start=JANUARY_31,
        period_end=JANUARY_1,
    )

    errors = _errors(payment)

    assert {"currency", "amount", "period_end"} <= set(errors)
