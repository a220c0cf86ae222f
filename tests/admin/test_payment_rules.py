"""The payment pages apply the refund rules, the limit and one message each."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from saas_manager.billing.choices import PaymentMethod, PaymentStatus
from saas_manager.billing.models import Payment
from saas_manager.billing.services import refund_payment
from saas_manager.hosting.models import Instance, InstanceState
from tests.admin import forms
from tests.factories import InstanceFactory, PaymentFactory, ServicePackageFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:billing_payment_add")
JANUARY_1 = datetime.date(2026, 1, 1)


def change_url(payment: Payment) -> str:
    return reverse("admin:billing_payment_change", args=[payment.pk])


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


def billed_instance() -> Instance:
    """Create an Active 79 EUR a month instance billed from 1 January 2026."""
    return InstanceFactory(
        state=InstanceState.ACTIVE, billing_start=JANUARY_1, price=Decimal("79.00")
    )


def completed_payment(amount: str = "100.00") -> Payment:
    instance = billed_instance()
    return PaymentFactory(
        customer=instance.customer, instance=instance, amount=Decimal(amount)
    )


def test_pending_refund_raised_above_payment_rejected(manager_client):
    original = completed_payment("100.00")
    refund = refund_payment(
        original, Decimal("30.00"), status=PaymentStatus.PENDING
    ).payment

    response = manager_client.post(
        change_url(refund), forms.payment_data(refund, amount="150.00")
    )

    refund.refresh_from_db()
    assert response.status_code == 200
    assert form_errors(response)["amount"] == [
        f"150.00 EUR is more than the 100.00 EUR left to refund of payment "
        f"{original.pk}. Expected 100.00 EUR or less."
    ]
    assert refund.amount == Decimal("30.00")


def test_pending_refund_moved_to_pending_payment_rejected(manager_client):
    original = completed_payment("100.00")
    refund = refund_payment(
        original, Decimal("30.00"), status=PaymentStatus.PENDING
    ).payment
    pending = PaymentFactory(
        customer=original.customer,
        instance=original.instance,
        status=PaymentStatus.PENDING,
    )

    response = manager_client.post(
        change_url(refund), forms.payment_data(refund, refund_of=str(pending.pk))
    )

    refund.refresh_from_db()
    assert response.status_code == 200
    assert form_errors(response)["refund_of"] == [
        f"Payment {pending.pk} is Pending. Only a completed payment can be refunded."
    ]
    assert refund.refund_of_id == original.pk


def test_pending_refund_lowered_saved(manager_client):
    original = completed_payment("100.00")
    refund = refund_payment(
        original, Decimal("30.00"), status=PaymentStatus.PENDING
    ).payment

    response = manager_client.post(
        change_url(refund), forms.payment_data(refund, amount="20.00")
    )

    refund.refresh_from_db()
    assert response.status_code == 302
    assert refund.amount == Decimal("20.00")


def test_huge_payment_rejected_on_add_form(manager_client):
    instance = billed_instance()
    data = {
        "instance": str(instance.pk),
        "customer": "",
        "amount": "999999999999.99",
        "currency": "",
        "method": PaymentMethod.BANK_TRANSFER,
        "status": PaymentStatus.COMPLETED,
        "transaction_reference": "",
        "date": "2026-03-15",
        "notes": "",
    }

    response = manager_client.post(ADD_URL, data)

    assert response.status_code == 200
    errors = form_errors(response)["amount"]
    assert len(errors) == 1
    assert errors[0].startswith("999,999,999,999.99 EUR is more than instance")
    assert errors[0].endswith("Expected at most 94,800.00 EUR.")
    assert not Payment.objects.exists()


def test_negative_amount_reported_once(manager_client):
    payment = PaymentFactory(status=PaymentStatus.PENDING)

    response = manager_client.post(
        change_url(payment), forms.payment_data(payment, amount="-5")
    )

    payment.refresh_from_db()
    assert response.status_code == 200
    assert form_errors(response)["amount"] == [
        "-5 is not a positive amount. Expected more than zero, because a "
        "refund is also recorded as a positive amount."
    ]
    assert payment.amount == Decimal("49.00")


def test_package_without_price_reported_once(manager_client):
    package = ServicePackageFactory(name="Business")
    url = reverse("admin:catalog_servicepackage_change", args=[package.pk])

    response = manager_client.post(
        url, forms.package_data(package, monthly_price="", yearly_price="")
    )

    assert response.status_code == 200
    assert response.text.count("has no price") == 1
    assert form_errors(response)["monthly_price"] == [
        "Package Business has no price. Expected a monthly price, a yearly "
        "price or both."
    ]
    assert "yearly_price" not in form_errors(response)
