"""Customer-level lifecycle buttons and the amount overdue on the customer page."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import ERROR, SUCCESS
from django.urls import reverse

from saas_manager.billing.paid_up import refresh_paid_up_to
from saas_manager.customers.models import Customer, CustomerStatus
from saas_manager.hosting.models import ActorKind, InstanceState, SuspensionKind
from tests.admin.conftest import ROLES
from tests.factories import CustomerFactory, InstanceFactory, PaymentFactory
from tests.hosting.states import instance_in

pytestmark = pytest.mark.django_db

DIALOG_DATA = {"_form_submitted": "on", "reason": "Customer asked", "confirm": "on"}


def suspend_url(customer: Customer) -> str:
    return reverse(
        "admin:customers_customer_suspend_customer_detail", args=[customer.pk]
    )


def terminate_url(customer: Customer) -> str:
    return reverse(
        "admin:customers_customer_terminate_customer_detail", args=[customer.pk]
    )


def change_url(customer: Customer) -> str:
    return reverse("admin:customers_customer_change", args=[customer.pk])


def message_texts(response, level) -> list[str]:
    return [
        message.message
        for message in response.context["messages"]
        if message.level == level
    ]


def button_titles(response) -> set[str]:
    return {item["title"] for item in response.context["actions_detail"]}


def test_suspend_customer_suspends_active_instances(staff_client, support_agent):
    client = staff_client("support_agent")
    customer = CustomerFactory(name="Nordwind SRL")
    first = instance_in(InstanceState.ACTIVE, customer=customer, database_name="a-db")
    second = instance_in(InstanceState.ACTIVE, customer=customer, database_name="b-db")
    trial = instance_in(InstanceState.TRIAL, customer=customer, database_name="c-db")

    response = client.post(suspend_url(customer), DIALOG_DATA, follow=True)

    for instance in (first, second, trial):
        instance.refresh_from_db()
    customer.refresh_from_db()
    assert first.state == InstanceState.SUSPENDED
    assert second.state == InstanceState.SUSPENDED
    assert first.suspension_kind == SuspensionKind.MANUAL
    assert trial.state == InstanceState.TRIAL
    assert customer.status == CustomerStatus.SUSPENDED
    assert message_texts(response, SUCCESS) == [
        "Customer Nordwind SRL: 2 instances suspended: a-db, b-db."
    ]
    event = first.events.get()
    assert event.reason == "Customer asked"
    assert event.actor_kind == ActorKind.STAFF
    assert event.actor_user == support_agent


def test_suspend_customer_needs_reason(manager_client):
    customer = CustomerFactory()
    instance = instance_in(InstanceState.ACTIVE, customer=customer)

    response = manager_client.post(
        suspend_url(customer), {"_form_submitted": "on", "reason": ""}
    )

    instance.refresh_from_db()
    assert response.status_code == 200
    assert "The reason is missing" in response.text
    assert instance.state == InstanceState.ACTIVE


def test_terminate_customer_terminates_all_live(manager_client):
    customer = CustomerFactory(name="Nordwind SRL")
    active = instance_in(InstanceState.ACTIVE, customer=customer, database_name="a-db")
    trial = instance_in(InstanceState.TRIAL, customer=customer, database_name="b-db")
    done = instance_in(
        InstanceState.TERMINATED, customer=customer, database_name="c-db"
    )

    response = manager_client.post(terminate_url(customer), DIALOG_DATA, follow=True)

    for instance in (active, trial, done):
        instance.refresh_from_db()
    customer.refresh_from_db()
    assert active.state == InstanceState.TERMINATED
    assert trial.state == InstanceState.TERMINATED
    assert not done.events.exists()
    assert customer.status == CustomerStatus.TERMINATED
    assert message_texts(response, SUCCESS) == [
        "Customer Nordwind SRL: 2 instances terminated: a-db, b-db."
    ]


def test_terminate_customer_needs_confirmation(manager_client):
    customer = CustomerFactory()
    instance = instance_in(InstanceState.ACTIVE, customer=customer)

    response = manager_client.post(
        terminate_url(customer), {"_form_submitted": "on", "reason": "Ended"}
    )

    instance.refresh_from_db()
    assert response.status_code == 200
    assert "The confirmation is missing" in response.text
    assert instance.state == InstanceState.ACTIVE


def test_cascade_with_nothing_to_move_says_so(manager_client):
    customer = CustomerFactory(name="Nordwind SRL")
    instance_in(InstanceState.TRIAL, customer=customer)

    response = manager_client.post(suspend_url(customer), DIALOG_DATA, follow=True)

    assert message_texts(response, SUCCESS) == [
        "Customer Nordwind SRL has no Active instance to suspend."
    ]
    assert message_texts(response, ERROR) == []


def test_buttons_follow_instance_states(manager_client):
    customer = CustomerFactory()
    instance_in(InstanceState.SUSPENDED, customer=customer)

    response = manager_client.get(change_url(customer))

    titles = button_titles(response)
    assert "Terminate customer" in titles
    assert "Suspend customer" not in titles


def test_buttons_hidden_when_all_terminated(manager_client):
    customer = CustomerFactory()
    instance_in(InstanceState.TERMINATED, customer=customer)

    response = manager_client.get(change_url(customer))

    titles = button_titles(response)
    assert "Terminate customer" not in titles
    assert "Suspend customer" not in titles
    assert "Archive" in titles


LIFECYCLE_ROLES = {"manager", "support_agent"}


@pytest.mark.parametrize("role", ROLES)
def test_customer_buttons_by_role(staff_client, role):
    client = staff_client(role)
    customer = CustomerFactory()
    instance_in(InstanceState.ACTIVE, customer=customer)

    response = client.get(change_url(customer))

    titles = button_titles(response)
    shown = {"Suspend customer", "Terminate customer"} <= titles
    assert shown is (role in LIFECYCLE_ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_suspend_customer_permission_by_role(staff_client, role):
    client = staff_client(role)
    customer = CustomerFactory()
    instance = instance_in(InstanceState.ACTIVE, customer=customer)

    response = client.post(suspend_url(customer), DIALOG_DATA)

    instance.refresh_from_db()
    if role in LIFECYCLE_ROLES:
        assert response.status_code == 302
        assert instance.state == InstanceState.SUSPENDED
    else:
        assert response.status_code == 403
        assert instance.state == InstanceState.ACTIVE


def billed_instance(customer, **fields):
    """Create an Active monthly instance billed from 1 January 2026."""
    values = {
        "customer": customer,
        "state": InstanceState.ACTIVE,
        "billing_start": datetime.date(2026, 1, 1),
        "price": Decimal("49.00"),
        **fields,
    }
    instance = InstanceFactory(**values)
    refresh_paid_up_to(instance)
    return instance


@time_machine.travel(datetime.datetime(2026, 3, 15, 10, 0, tzinfo=datetime.UTC))
def test_overview_shows_amount_overdue_per_currency(reader_client):
    customer = CustomerFactory()
    euros = billed_instance(customer)
    PaymentFactory(
        customer=customer,
        instance=euros,
        amount=Decimal("49.00"),
        date=datetime.date(2026, 1, 2),
    )
    billed_instance(customer, currency="USD", price=Decimal("20.00"))

    response = reader_client.get(change_url(customer))

    rows = {
        row["currency"]: row
        for row in response.context["customer_overview"]["currencies"]
    }
    # January, February and March have begun: 3 x 49.00 less 49.00 paid.
    assert rows["EUR"]["amount_overdue"] == "98.00 EUR"
    assert rows["USD"]["amount_overdue"] == "60.00 USD"
    assert 'data-figure="amount-overdue">98.00 EUR' in response.text


@time_machine.travel(datetime.datetime(2026, 3, 7, 10, 0, tzinfo=datetime.UTC))
def test_overview_within_grace_owes_nothing(reader_client):
    customer = CustomerFactory()
    instance = billed_instance(customer)
    # Paid up to 28 February: with 7 days of grace that is 7 March, which is
    # not before today.
    PaymentFactory(
        customer=customer,
        instance=instance,
        amount=Decimal("98.00"),
        date=datetime.date(2026, 1, 2),
    )

    response = reader_client.get(change_url(customer))

    (row,) = response.context["customer_overview"]["currencies"]
    assert row["amount_overdue"] == "0.00 EUR"
    assert row["is_overdue"] is False


@time_machine.travel(datetime.datetime(2026, 3, 15, 10, 0, tzinfo=datetime.UTC))
def test_overview_counts_suspended_not_terminated(reader_client):
    customer = CustomerFactory()
    billed_instance(customer, state=InstanceState.SUSPENDED)
    billed_instance(customer, state=InstanceState.TERMINATED)

    response = reader_client.get(change_url(customer))

    (row,) = response.context["customer_overview"]["currencies"]
    assert row["amount_overdue"] == "147.00 EUR"


@time_machine.travel(datetime.datetime(2026, 3, 15, 10, 0, tzinfo=datetime.UTC))
def test_overview_recurring_revenue_counts_active_only(reader_client):
    customer = CustomerFactory()
    billed_instance(customer)
    billed_instance(customer, state=InstanceState.SUSPENDED, price=Decimal("99.00"))

    response = reader_client.get(change_url(customer))

    (row,) = response.context["customer_overview"]["currencies"]
    assert row["recurring_revenue"] == "49.00 EUR"
    assert row["amount_overdue"] == "444.00 EUR"
