import datetime

import pytest

from saas_manager.customers.models import CustomerStatus
from saas_manager.hosting.lifecycle import record_imported_state
from saas_manager.hosting.models import ActorKind, InstanceState, SuspensionKind
from tests.factories import InstanceFactory

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
