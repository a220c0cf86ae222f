"""Bulk lifecycle actions on the instance list, with their intermediate page."""

import pytest
from django.contrib.messages import ERROR, SUCCESS
from django.urls import reverse

from saas_manager.hosting.models import ActorKind, InstanceState
from tests.admin.conftest import ROLES
from tests.hosting.states import instance_in

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:hosting_instance_changelist")


def action_data(action: str, instances, **fields) -> dict:
    return {
        "action": action,
        "_selected_action": [str(instance.pk) for instance in instances],
        **fields,
    }


def message_texts(response, level) -> list[str]:
    return [
        message.message
        for message in response.context["messages"]
        if message.level == level
    ]


def test_bulk_suspend_shows_intermediate_page(manager_client):
    first = instance_in(InstanceState.ACTIVE, database_name="alpha-db")
    second = instance_in(InstanceState.ACTIVE, database_name="bravo-db")

    response = manager_client.post(
        LIST_URL, action_data("suspend_selected", [first, second])
    )

    first.refresh_from_db()
    assert response.status_code == 200
    assert "admin/hosting/instance/bulk_transition.html" in [
        template.name for template in response.templates
    ]
    assert "alpha-db" in response.text
    assert "bravo-db" in response.text
    assert 'name="reason"' in response.text
    assert first.state == InstanceState.ACTIVE


def test_bulk_suspend_reports_moved_and_rejected(manager_client):
    active = instance_in(InstanceState.ACTIVE, database_name="alpha-db")
    trial = instance_in(InstanceState.TRIAL, database_name="bravo-db")
    terminated = instance_in(InstanceState.TERMINATED, database_name="charlie-db")

    response = manager_client.post(
        LIST_URL,
        action_data(
            "suspend_selected",
            [active, trial, terminated],
            apply="yes",
            reason="Maintenance of the host",
        ),
        follow=True,
    )

    for instance in (active, trial, terminated):
        instance.refresh_from_db()
    assert active.state == InstanceState.SUSPENDED
    assert trial.state == InstanceState.TRIAL
    assert terminated.state == InstanceState.TERMINATED
    assert message_texts(response, SUCCESS) == [
        "1 instance moved to Suspended: alpha-db."
    ]
    assert message_texts(response, ERROR) == [
        "bravo-db was not moved to Suspended: An instance in state Trial cannot "
        "become Suspended.",
        "charlie-db was not moved to Suspended: An instance in state Terminated "
        "cannot become Suspended.",
    ]
    event = active.events.get()
    assert event.reason == "Maintenance of the host"
    assert event.actor_kind == ActorKind.STAFF


def test_bulk_suspend_needs_reason(manager_client):
    instance = instance_in(InstanceState.ACTIVE)

    response = manager_client.post(
        LIST_URL,
        action_data("suspend_selected", [instance], apply="yes", reason=""),
    )

    instance.refresh_from_db()
    assert response.status_code == 200
    assert "The reason is missing" in response.text
    assert instance.state == InstanceState.ACTIVE


def test_bulk_reactivate_rejects_trial(manager_client):
    suspended = instance_in(InstanceState.SUSPENDED, database_name="alpha-db")
    expired = instance_in(InstanceState.EXPIRED, database_name="bravo-db")
    trial = instance_in(InstanceState.TRIAL, database_name="charlie-db")

    response = manager_client.post(
        LIST_URL,
        action_data(
            "reactivate_selected", [suspended, expired, trial], apply="yes", reason=""
        ),
        follow=True,
    )

    for instance in (suspended, expired, trial):
        instance.refresh_from_db()
    assert suspended.state == InstanceState.ACTIVE
    assert expired.state == InstanceState.ACTIVE
    assert trial.state == InstanceState.TRIAL
    assert message_texts(response, SUCCESS) == [
        "2 instances moved to Active: alpha-db, bravo-db."
    ]
    (error,) = message_texts(response, ERROR)
    assert error.startswith("charlie-db was not moved to Active")
    assert "Only a Suspended or Expired instance can be reactivated" in error


def test_bulk_terminate_needs_confirmation(manager_client):
    instance = instance_in(InstanceState.ACTIVE)

    response = manager_client.post(
        LIST_URL,
        action_data(
            "terminate_selected", [instance], apply="yes", reason="Contract ended"
        ),
    )

    instance.refresh_from_db()
    assert response.status_code == 200
    assert "The confirmation is missing" in response.text
    assert instance.state == InstanceState.ACTIVE


def test_bulk_terminate_moves_each(manager_client):
    active = instance_in(InstanceState.ACTIVE, database_name="alpha-db")
    expired = instance_in(InstanceState.EXPIRED, database_name="bravo-db")

    response = manager_client.post(
        LIST_URL,
        action_data(
            "terminate_selected",
            [active, expired],
            apply="yes",
            reason="Contract ended",
            confirm="on",
        ),
        follow=True,
    )

    active.refresh_from_db()
    expired.refresh_from_db()
    assert active.state == InstanceState.TERMINATED
    assert expired.state == InstanceState.TERMINATED
    assert message_texts(response, SUCCESS) == [
        "2 instances moved to Terminated: alpha-db, bravo-db."
    ]
    assert message_texts(response, ERROR) == []


BULK_ACTIONS = ("suspend_selected", "reactivate_selected", "terminate_selected")


@pytest.mark.parametrize("role", ROLES)
def test_bulk_actions_listed_by_role(staff_client, role):
    client = staff_client(role)
    instance_in(InstanceState.ACTIVE)

    response = client.get(LIST_URL)

    for name in BULK_ACTIONS:
        listed = f'value="{name}"' in response.text
        assert listed is (role in {"manager", "support_agent"})


@pytest.mark.parametrize("role", ["billing_clerk", "reader"])
def test_bulk_suspend_forbidden_by_role(staff_client, role):
    client = staff_client(role)
    instance = instance_in(InstanceState.ACTIVE)

    client.post(
        LIST_URL,
        action_data("suspend_selected", [instance], apply="yes", reason="Abuse"),
    )

    instance.refresh_from_db()
    assert instance.state == InstanceState.ACTIVE
    assert not instance.events.exists()
