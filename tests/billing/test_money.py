import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models
from django.db.models import Sum

from saas_manager.billing.models import Payment
from saas_manager.hosting.models import InstanceState
from tests.factories import InstanceFactory, PaymentFactory

PROJECT_APPS = {"customers", "catalog", "hosting", "billing", "imports"}
MONEY_NAME = re.compile(r"(amount|price|revenue|total|balance|mrr|arr)")


def project_fields():
    for model in apps.get_models():
        if model._meta.app_label in PROJECT_APPS:
            for field in model._meta.get_fields():
                if isinstance(field, models.Field):
                    yield model, field


def test_no_float_field_in_models():
    floats = [
        f"{model.__name__}.{field.name}"
        for model, field in project_fields()
        if isinstance(field, models.FloatField)
    ]

    assert floats == []


def test_money_fields_are_decimal():
    money = [
        (model, field)
        for model, field in project_fields()
        if MONEY_NAME.search(field.name) and field.concrete and not field.is_relation
    ]

    assert money
    for model, field in money:
        assert isinstance(field, models.DecimalField), f"{model.__name__}.{field.name}"


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["19.99", "4.35", "1.15", "0.29"])
def test_amount_round_trip_exact(amount):
    instance = InstanceFactory(state=InstanceState.ACTIVE, price=Decimal(amount))
    payment = PaymentFactory(
        customer=instance.customer, instance=instance, amount=Decimal(amount)
    )

    instance.refresh_from_db()
    payment.refresh_from_db()
    assert isinstance(payment.amount, Decimal)
    assert payment.amount == Decimal(amount)
    assert str(payment.amount) == amount
    assert instance.price == Decimal(amount)


@pytest.mark.django_db
def test_sum_of_amounts_exact():
    customer = InstanceFactory().customer
    for amount in ["19.99", "4.35", "1.15", "0.29"]:
        PaymentFactory(customer=customer, amount=Decimal(amount))

    total = Payment.objects.aggregate(total=Sum("amount"))["total"]

    assert total == Decimal("25.78")
