"""A payment that left Pending is fixed in the back office."""

from decimal import Decimal

import pytest
from django.urls import reverse

from saas_manager.billing.choices import PaymentStatus
from saas_manager.billing.models import Payment
from tests.admin import forms
from tests.factories import InstanceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def change_url(payment: Payment) -> str:
    return reverse("admin:billing_payment_change", args=[payment.pk])


def test_completed_payment_shows_amount_read_only(manager_client):
    payment = PaymentFactory(status=PaymentStatus.COMPLETED)

    response = manager_client.get(change_url(payment))

    form_fields = response.context["adminform"].form.fields
    assert "amount" not in form_fields
    assert "status" not in form_fields
    assert "notes" in form_fields


def test_completed_payment_amount_cannot_be_posted(manager_client):
    payment = PaymentFactory(status=PaymentStatus.COMPLETED, amount=Decimal("49.00"))

    response = manager_client.post(
        change_url(payment),
        forms.payment_data(payment, amount="1.00", notes="Checked by hand"),
    )

    payment.refresh_from_db()
    assert response.status_code == 302
    assert payment.amount == Decimal("49.00")
    assert payment.notes == "Checked by hand"


def test_pending_payment_can_be_completed(staff_client):
    client = staff_client("billing_clerk")
    payment = PaymentFactory(status=PaymentStatus.PENDING)

    response = client.post(
        change_url(payment), forms.payment_data(payment, status="completed")
    )

    payment.refresh_from_db()
    assert response.status_code == 302
    assert payment.status == PaymentStatus.COMPLETED


def test_failed_payment_is_cancelled_by_button(manager_client):
    payment = PaymentFactory(status=PaymentStatus.FAILED)

    response = manager_client.get(change_url(payment))

    form_fields = response.context["adminform"].form.fields
    titles = {item["title"] for item in response.context["actions_detail"]}
    assert "status" not in form_fields
    assert "amount" not in form_fields
    assert "Cancel" in titles


def test_completed_payment_is_not_deleted(manager_client):
    payment = PaymentFactory(status=PaymentStatus.COMPLETED)
    url = reverse("admin:billing_payment_delete", args=[payment.pk])

    response = manager_client.post(url, {"post": "yes"})

    assert response.status_code == 403
    assert Payment.objects.filter(pk=payment.pk).exists()


def test_payment_list_has_no_bulk_delete(manager_client):
    PaymentFactory(status=PaymentStatus.PENDING)

    response = manager_client.get(reverse("admin:billing_payment_changelist"))

    assert "delete_selected" not in response.text


def test_payment_currency_must_match_instance(manager_client):
    instance = InstanceFactory(currency="EUR")
    payment = PaymentFactory(
        customer=instance.customer, instance=instance, status=PaymentStatus.PENDING
    )

    response = manager_client.post(
        change_url(payment), forms.payment_data(payment, currency="USD")
    )

    payment.refresh_from_db()
    assert response.status_code == 200
    assert "USD is not the currency of instance" in response.text
    assert payment.currency == "EUR"
