import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saas_manager.core.history import update_with_history
from saas_manager.customers.models import Customer, CustomerStatus
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2025, 3, 1, 12, tzinfo=datetime.UTC)


def test_update_with_history_stores_values():
    active = CustomerFactory.create_batch(3)
    suspended = CustomerFactory()
    for customer in active:
        customer.status = CustomerStatus.ACTIVE
    suspended.status = CustomerStatus.SUSPENDED

    update_with_history([*active, suspended], ["status"])

    statuses = dict(Customer.objects.values_list("pk", "status"))
    assert [statuses[customer.pk] for customer in active] == ["active"] * 3
    assert statuses[suspended.pk] == "suspended"


def test_update_with_history_one_update_per_value():
    customers = CustomerFactory.create_batch(4)
    for index, customer in enumerate(customers):
        customer.status = [CustomerStatus.ACTIVE, CustomerStatus.SUSPENDED][index % 2]

    with CaptureQueriesContext(connection) as queries:
        update_with_history(customers, ["status"])

    updates = [query for query in queries if query["sql"].startswith("UPDATE")]
    assert len(updates) == 2


def test_update_with_history_writes_rows():
    customer = CustomerFactory()
    user = UserFactory()
    customer.status = CustomerStatus.ACTIVE
    customer.updated_at = MOMENT

    update_with_history([customer], ["status", "updated_at"], user=user)

    latest = customer.history.first()
    assert latest.history_type == "~"
    assert latest.status == CustomerStatus.ACTIVE
    assert latest.updated_at == MOMENT
    assert latest.history_user == user
    assert customer.history.count() == 2


def test_update_with_history_nothing_to_do():
    with CaptureQueriesContext(connection) as queries:
        update_with_history([], ["status"])

    assert len(queries) == 0
