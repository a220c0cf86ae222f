import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from saas_manager.billing.choices import PaymentStatus
from saas_manager.customers.actions import suspend_customer, terminate_customer
from saas_manager.customers.models import CustomerStatus
from saas_manager.customers.status import derive_status, refresh_status
from saas_manager.hosting.lifecycle import Actor
from saas_manager.hosting.models import InstanceState, SuspensionKind
from tests.factories import CustomerFactory, PaymentFactory
from tests.hosting.states import instance_in

pytestmark = pytest.mark.django_db

State = InstanceState


def customer_with(*states):
    customer = CustomerFactory()
    for state in states:
        instance_in(state, customer=customer)
    return customer


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ((), CustomerStatus.PROSPECT),
        ((State.PROVISIONING, State.TRIAL), CustomerStatus.PROSPECT),
        ((State.EXPIRED,), CustomerStatus.PROSPECT),
        ((State.ACTIVE, State.SUSPENDED), CustomerStatus.ACTIVE),
        ((State.SUSPENDED, State.TRIAL), CustomerStatus.SUSPENDED),
        ((State.TERMINATED, State.EXPIRED), CustomerStatus.PROSPECT),
    ],
)
def test_derive_status_from_states(states, expected):
    customer = customer_with(*states)

    assert derive_status(customer) == expected


def test_terminated_after_billing_start():
    customer = CustomerFactory()
    instance_in(
        State.TERMINATED, customer=customer, billing_start=datetime.date(2024, 1, 1)
    )

    assert derive_status(customer) == CustomerStatus.TERMINATED


def test_terminated_after_completed_payment():
    customer = customer_with(State.EXPIRED)
    PaymentFactory(customer=customer, amount=Decimal("10.00"))

    assert derive_status(customer) == CustomerStatus.TERMINATED


def test_pending_payment_keeps_prospect():
    customer = customer_with(State.EXPIRED)
    PaymentFactory(customer=customer, status=PaymentStatus.PENDING)

    assert derive_status(customer) == CustomerStatus.PROSPECT


def test_refresh_status_stores_change():
    customer = customer_with(State.ACTIVE)

    status = refresh_status(customer)

    customer.refresh_from_db()
    assert status == CustomerStatus.ACTIVE
    assert customer.status == CustomerStatus.ACTIVE


def test_suspend_customer_suspends_active_only():
    customer = customer_with(State.ACTIVE, State.ACTIVE, State.TRIAL)

    moved = suspend_customer(customer, actor=Actor.staff(None), reason="Abuse")

    customer.refresh_from_db()
    states = sorted(customer.instances.values_list("state", flat=True))
    assert len(moved) == 2
    assert states == [State.SUSPENDED, State.SUSPENDED, State.TRIAL]
    assert customer.status == CustomerStatus.SUSPENDED
    for instance in customer.instances.filter(state=State.SUSPENDED):
        assert instance.suspension_kind == SuspensionKind.MANUAL
        assert instance.events.get().reason == "Abuse"


def test_suspend_customer_needs_reason():
    customer = customer_with(State.ACTIVE)

    with pytest.raises(ValidationError):
        suspend_customer(customer, actor=Actor.staff(None), reason="")

    assert customer.instances.get().state == State.ACTIVE


def test_terminate_customer_terminates_all():
    customer = customer_with(
        State.PROVISIONING, State.ACTIVE, State.SUSPENDED, State.TERMINATED
    )

    moved = terminate_customer(customer, actor=Actor.staff(None), reason="Closed")

    customer.refresh_from_db()
    assert len(moved) == 3
    assert set(customer.instances.values_list("state", flat=True)) == {State.TERMINATED}
    assert customer.status == CustomerStatus.TERMINATED


def test_terminate_customer_without_instances():
    customer = CustomerFactory()

    moved = terminate_customer(customer, actor=Actor.staff(None), reason="Closed")

    assert moved == []
