"""Money fields on the back-office forms name the value they reject."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from saas_manager.core.fields import MoneyFormField
from saas_manager.hosting.models import Instance
from tests.admin import forms
from tests.factories import InstanceFactory, ServicePackageFactory

pytestmark = pytest.mark.django_db

INVALID_AMOUNTS = [
    ("NaN", "NaN is not an amount. Expected a finite number."),
    ("Infinity", "Infinity is not an amount. Expected a finite number."),
    ("-Infinity", "-Infinity is not an amount. Expected a finite number."),
    (
        "1,5",
        "1,5 is not an amount. Expected a number with a point before the "
        "decimals, such as 19.99.",
    ),
    (
        "12.123456789012",
        "12.123456789012 has more than 2 decimals. Expected at most 2.",
    ),
    (
        "1000000000000000",
        "1000000000000000 has more than 14 digits in total. Expected at most 14.",
    ),
]


def change_url(instance: Instance) -> str:
    return reverse("admin:hosting_instance_change", args=[instance.pk])


@pytest.mark.parametrize(("value", "message"), INVALID_AMOUNTS)
def test_instance_price_message_names_value(manager_client, value, message):
    instance = InstanceFactory(price=Decimal("49.00"))

    response = manager_client.post(
        change_url(instance), forms.instance_data(instance, price=value)
    )

    instance.refresh_from_db()
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["price"] == [message]
    assert instance.price == Decimal("49.00")


@pytest.mark.parametrize(("value", "message"), INVALID_AMOUNTS)
def test_package_price_message_names_value(manager_client, value, message):
    package = ServicePackageFactory()
    url = reverse("admin:catalog_servicepackage_change", args=[package.pk])

    response = manager_client.post(
        url, forms.package_data(package, monthly_price=value)
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["monthly_price"] == [message]


@pytest.mark.parametrize(("value", "message"), INVALID_AMOUNTS)
def test_money_form_field_names_value(value, message):
    field = MoneyFormField(max_digits=14, decimal_places=2)

    with pytest.raises(ValidationError) as caught:
        field.clean(value)

    assert caught.value.messages == [message]


def test_money_form_field_accepts_amount():
    field = MoneyFormField(max_digits=14, decimal_places=2)

    assert field.clean(" 19.90 ") == Decimal("19.90")


def test_money_form_field_below_minimum_names_value():
    field = MoneyFormField(max_digits=14, decimal_places=2, min_value=0)

    with pytest.raises(ValidationError) as caught:
        field.clean("-5")

    assert caught.value.messages == [
        "-5 is less than 0. Expected an amount of 0 or more."
    ]
