"""The instance change form: billing terms, dates, domains and usage times."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from saas_manager.billing.services import record_payment
from saas_manager.hosting.models import Instance, InstanceState
from tests.admin import forms
from tests.factories import InstanceFactory, PaymentFactory, ServicePackageFactory

pytestmark = pytest.mark.django_db

JANUARY_1 = datetime.date(2026, 1, 1)


def change_url(instance: Instance) -> str:
    return reverse("admin:hosting_instance_change", args=[instance.pk])


def field_errors(response, name: str) -> list[str]:
    return list(response.context["adminform"].form.errors.get(name, []))


def paid_instance(amount: Decimal) -> Instance:
    """Create an Active 79 EUR a month instance billed from 1 January 2026."""
    instance = InstanceFactory(
        state=InstanceState.ACTIVE, billing_start=JANUARY_1, price=Decimal("79.00")
    )
    PaymentFactory(
        customer=instance.customer, instance=instance, amount=amount, date=JANUARY_1
    )
    instance.refresh_from_db()
    return instance


def test_tiny_price_rejected_payments_work(staff_client):
    instance = paid_instance(Decimal("2449.00"))
    client = staff_client("support_agent")

    response = client.post(
        change_url(instance), forms.instance_data(instance, price="0.01")
    )
    result = record_payment(amount=Decimal("79.00"), instance=instance)

    instance.refresh_from_db()
    assert response.status_code == 200
    assert field_errors(response, "price")[0].startswith(
        "With a price of 0.01 EUR, the 2,449.00 EUR paid for instance"
    )
    assert instance.price == Decimal("79.00")
    assert result.created
    assert instance.paid_up_to == datetime.date(2028, 8, 31)


def test_price_change_recomputes_paid_up_to(staff_client):
    instance = paid_instance(Decimal("158.00"))
    client = staff_client("support_agent")

    response = client.post(
        change_url(instance), forms.instance_data(instance, price="39.50")
    )

    instance.refresh_from_db()
    assert response.status_code == 302
    assert instance.price == Decimal("39.50")
    assert instance.paid_up_to == datetime.date(2026, 4, 30)


def test_trial_end_before_start_rejected(manager_client):
    instance = InstanceFactory()

    response = manager_client.post(
        change_url(instance),
        forms.instance_data(
            instance, start_date="2026-03-01", trial_end_date="2026-02-01"
        ),
    )

    instance.refresh_from_db()
    assert response.status_code == 200
    assert field_errors(response, "trial_end_date") == [
        "The trial end date, 2026-02-01, is before the start date, 2026-03-01. "
        "Expected 2026-03-01 or later."
    ]
    assert instance.trial_end_date is None


def test_custom_domain_with_capitals_lowercased(manager_client):
    package = ServicePackageFactory(has_custom_domain=True)
    instance = InstanceFactory(package=package)

    response = manager_client.post(
        change_url(instance),
        forms.instance_data(instance, custom_domain="erp.Example.com"),
    )

    instance.refresh_from_db()
    assert response.status_code == 302
    assert instance.custom_domain == "erp.example.com"


@pytest.mark.parametrize("name", ["last_backup_at", "usage_measured_at"])
def test_usage_time_in_future_rejected(manager_client, name):
    instance = InstanceFactory()

    response = manager_client.post(
        change_url(instance),
        forms.instance_data(
            instance, **{f"{name}_0": "2999-01-01", f"{name}_1": "00:00"}
        ),
    )

    instance.refresh_from_db()
    assert response.status_code == 200
    errors = field_errors(response, name)
    assert len(errors) == 1
    assert "2999-01-01 00:00, is in the future" in errors[0]
    assert getattr(instance, name) is None
