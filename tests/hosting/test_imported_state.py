import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saas_manager.customers.models import CustomerStatus
from saas_manager.hosting.lifecycle import (
    record_imported_state,
    record_imported_states,
)
from saas_manager.hosting.models import ActorKind, InstanceState, SuspensionKind
from tests.factories import InstanceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def test_imported_active_instance_records_event():
    instance = InstanceFactory(
        state=InstanceState.ACTIVE, start_date=datetime.date(2024, 3, 1)
    )

    event = record_imported_state(instance, note="customers.xlsx row 4")

    instance.refresh_from_db()
    assert event.from_state == ""
    assert event.to_state == InstanceState.ACTIVE
    assert event.actor_kind == ActorKind.IMPORT
    assert event.reason == "customers.xlsx row 4"
    assert instance.billing_start == datetime.date(2024, 3, 1)
    assert instance.customer.status == CustomerStatus.ACTIVE


def test_imported_suspension_counts_as_manual():
    instance = InstanceFactory(state=InstanceState.SUSPENDED)

    event = record_imported_state(instance, note="row 2")

    instance.refresh_from_db()
    assert instance.suspension_kind == SuspensionKind.MANUAL
    assert event.suspension_kind == SuspensionKind.MANUAL
    assert instance.customer.status == CustomerStatus.SUSPENDED


def test_imported_trial_keeps_customer_prospect():
    instance = InstanceFactory(
        state=InstanceState.TRIAL, trial_end_date=datetime.date(2026, 1, 1)
    )

    record_imported_state(instance, note="row 3")

    instance.refresh_from_db()
    assert instance.billing_start is None
    assert instance.customer.status == CustomerStatus.PROSPECT


def test_imported_terminated_keeps_given_billing_start():
    instance = InstanceFactory(
        state=InstanceState.TERMINATED, billing_start=datetime.date(2023, 5, 1)
    )

    record_imported_state(instance, note="row 5")

    instance.refresh_from_db()
    assert instance.billing_start == datetime.date(2023, 5, 1)
    assert instance.customer.status == CustomerStatus.TERMINATED


IMPORTED_CASES = [
    {"state": InstanceState.ACTIVE, "start_date": datetime.date(2024, 3, 1)},
    {"state": InstanceState.ACTIVE},
    {"state": InstanceState.SUSPENDED, "start_date": datetime.date(2024, 1, 10)},
    {"state": InstanceState.TRIAL, "trial_end_date": datetime.date(2026, 1, 1)},
    {"state": InstanceState.TERMINATED, "billing_start": datetime.date(2023, 5, 1)},
    {"state": InstanceState.EXPIRED, "trial_end_date": datetime.date(2024, 1, 1)},
    {"state": InstanceState.ACTIVE, "price": Decimal("0.00")},
]


@pytest.mark.parametrize("fields", IMPORTED_CASES)
def test_bulk_record_matches_single(fields):
    single = InstanceFactory(**fields)
    bulk = InstanceFactory(**fields)

    single_event = record_imported_state(single, note="row 2")
    [bulk_event] = record_imported_states([bulk], note="row 2")

    single.refresh_from_db()
    bulk.refresh_from_db()
    for name in ("state", "billing_start", "suspension_kind", "paid_up_to"):
        assert getattr(bulk, name) == getattr(single, name), name
    assert (bulk.suspended_at is None) == (single.suspended_at is None)
    assert bulk.customer.status == single.customer.status
    bulk_event.refresh_from_db()
    assert bulk_event.instance == bulk
    for name in ("from_state", "to_state", "actor_kind", "reason", "suspension_kind"):
        assert getattr(bulk_event, name) == getattr(single_event, name), name


def test_bulk_record_updates_given_objects():
    instance = InstanceFactory(
        state=InstanceState.ACTIVE, start_date=datetime.date(2024, 3, 1)
    )

    record_imported_states([instance], note="row 2")

    assert instance.billing_start == datetime.date(2024, 3, 1)
    assert instance.paid_up_to == datetime.date(2024, 2, 29)


def test_bulk_record_applies_payments():
    instance = InstanceFactory(
        state=InstanceState.ACTIVE,
        billing_start=datetime.date(2024, 3, 1),
        price=Decimal("49.00"),
    )
    PaymentFactory(
        customer=instance.customer, instance=instance, amount=Decimal("98.00")
    )

    record_imported_states([instance], note="row 2")

    instance.refresh_from_db()
    assert instance.paid_up_to == datetime.date(2024, 4, 30)
    assert instance.payments.get().period_end == datetime.date(2024, 4, 30)


def test_bulk_record_writes_history_row():
    instance = InstanceFactory(
        state=InstanceState.ACTIVE, start_date=datetime.date(2024, 3, 1)
    )

    record_imported_states([instance], note="row 2")

    latest = instance.history.first()
    assert latest.history_type == "~"
    assert latest.billing_start == datetime.date(2024, 3, 1)
    assert latest.paid_up_to == datetime.date(2024, 2, 29)


def _queries_to_record(count: int) -> int:
    instances = InstanceFactory.create_batch(
        count, state=InstanceState.ACTIVE, start_date=datetime.date(2024, 3, 1)
    )
    with CaptureQueriesContext(connection) as queries:
        record_imported_states(instances, note="row 2")
    return len(queries)


def test_bulk_record_queries_do_not_grow():
    few = _queries_to_record(2)

    # Twenty history rows still fit in one insert under Django's limit of 999
    # parameters per SQLite query, so the count may not grow at all.
    many = _queries_to_record(20)

    assert many == few
