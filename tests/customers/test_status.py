import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from saas_manager.billing.choices import PaymentStatus
from saas_manager.customers.actions import suspend_customer, terminate_customer
from saas_manager.customers.models import CustomerStatus, Tag
from saas_manager.customers.status import (
    derive_status,
    refresh_status,
    refresh_statuses,
)
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


def _customers_in_every_status():
    expected = {}
    for states, status in [
        ((), CustomerStatus.PROSPECT),
        ((State.TRIAL, State.EXPIRED), CustomerStatus.PROSPECT),
        ((State.ACTIVE, State.SUSPENDED), CustomerStatus.ACTIVE),
        ((State.SUSPENDED, State.TRIAL), CustomerStatus.SUSPENDED),
    ]:
        expected[customer_with(*states)] = status
    billed = CustomerFactory()
    instance_in(
        State.TERMINATED, customer=billed, billing_start=datetime.date(2024, 1, 1)
    )
    expected[billed] = CustomerStatus.TERMINATED
    paid = customer_with(State.EXPIRED)
    PaymentFactory(customer=paid, amount=Decimal("10.00"))
    expected[paid] = CustomerStatus.TERMINATED
    pending = customer_with(State.EXPIRED)
    PaymentFactory(customer=pending, status=PaymentStatus.PENDING)
    expected[pending] = CustomerStatus.PROSPECT
    return expected


def test_refresh_statuses_matches_derive_status():
    expected = _customers_in_every_status()
    type(next(iter(expected))).objects.update(status=CustomerStatus.SUSPENDED)

    refresh_statuses(customer.pk for customer in expected)

    for customer, status in expected.items():
        customer.refresh_from_db()
        assert customer.status == status, customer
        assert customer.status == derive_status(customer), customer


def test_refresh_statuses_writes_history_row():
    customer = customer_with(State.ACTIVE)

    refresh_statuses([customer.pk])

    latest = customer.history.first()
    assert latest.history_type == "~"
    assert latest.status == CustomerStatus.ACTIVE


def test_refresh_statuses_keeps_tags_in_history():
    customer = customer_with(State.ACTIVE)
    customer.tags.add(Tag.objects.create(name="reseller"))

    refresh_statuses([customer.pk])

    latest = customer.history.first()
    assert latest.status == CustomerStatus.ACTIVE
    assert [tag.tag.name for tag in latest.tags.all()] == ["reseller"]


def test_refresh_statuses_leaves_unchanged_alone():
    customer = customer_with(State.ACTIVE)
    refresh_status(customer)
    history_rows = customer.history.count()

    refresh_statuses([customer.pk])

    assert customer.history.count() == history_rows


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
