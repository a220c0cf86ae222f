"""The lifecycle buttons and the state history on the instance page."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import ERROR, SUCCESS
from django.urls import reverse
from django.utils import timezone

from saas_manager.hosting.lifecycle import Actor, can_transition, suspend
from saas_manager.hosting.models import (
    ActorKind,
    Instance,
    InstanceEvent,
    InstanceState,
    SuspensionKind,
)
from tests.admin.conftest import ROLES
from tests.factories import InstanceFactory, PaymentFactory, ServicePackageFactory
from tests.hosting.states import instance_in

pytestmark = pytest.mark.django_db

STATES = list(InstanceState)
PAIRS = [(start, target) for start in STATES for target in STATES]
DIALOG_DATA = {"_form_submitted": "on", "reason": "Checked by support", "confirm": "on"}
# The label of the button to each target state, by the state it starts from.
BUTTONS = {
    InstanceState.PROVISIONING: {"Start trial", "Activate without trial", "Terminate"},
    InstanceState.TRIAL: {"Convert to Active", "Expire trial", "Terminate"},
    InstanceState.ACTIVE: {"Suspend", "Terminate"},
    InstanceState.SUSPENDED: {"Reactivate", "Terminate"},
    InstanceState.EXPIRED: {"Reactivate", "Terminate"},
    InstanceState.TERMINATED: set(),
}
LIFECYCLE_LABELS = set().union(*BUTTONS.values()) | {"Finish provisioning"}
# Measured on SQLite: the session, the user and its permissions, the instance
# (read for the buttons and for the form), the events in one query whatever
# their number, the content type, two savepoint statements and the form's
# customer, package and server. One query per event would add 20.
INSTANCE_PAGE_QUERIES = 13


def transition_url(instance: Instance, to_state: str) -> str:
    return reverse("admin:hosting_instance_transition", args=[instance.pk, to_state])


def change_url(instance: Instance) -> str:
    return reverse("admin:hosting_instance_change", args=[instance.pk])


def message_texts(response, level=None) -> list[str]:
    return [
        message.message
        for message in response.context["messages"]
        if level is None or message.level == level
    ]


def button_titles(response) -> set[str]:
    return {item["title"] for item in response.context["actions_detail"]}


@pytest.mark.parametrize(("start", "target"), PAIRS)
def test_transition_through_button(staff_client, support_agent, start, target):
    client = staff_client("support_agent")
    instance = instance_in(start)

    response = client.post(transition_url(instance, target), DIALOG_DATA, follow=True)

    instance.refresh_from_db()
    events = list(instance.events.all())
    assert response.status_code == 200
    if can_transition(start, target):
        assert instance.state == target
        (event,) = events
        assert event.from_state == start
        assert event.to_state == target
        assert event.actor_kind == ActorKind.STAFF
        assert event.actor_user == support_agent
        assert event.reason == "Checked by support"
        assert message_texts(response, SUCCESS) == [
            f"Instance {instance} moved from {start.label} to {target.label}."
        ]
    else:
        assert instance.state == start
        assert events == []
        (error,) = message_texts(response, ERROR)
        assert str(start.label) in error
        assert str(target.label) in error


@pytest.mark.parametrize("state", STATES)
def test_buttons_follow_allowed_transitions(manager_client, state):
    instance = instance_in(state)

    response = manager_client.get(change_url(instance))

    lifecycle_buttons = button_titles(response) & LIFECYCLE_LABELS
    assert lifecycle_buttons == BUTTONS[state]


def test_provisioning_without_trial_days_offers_finish(manager_client):
    package = ServicePackageFactory(trial_days=0)
    instance = InstanceFactory(package=package)

    response = manager_client.get(change_url(instance))

    titles = button_titles(response)
    assert "Finish provisioning" in titles
    assert "Start trial" not in titles


def test_running_trial_hides_expire(manager_client):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    instance = instance_in(InstanceState.TRIAL, trial_end_date=tomorrow)

    response = manager_client.get(change_url(instance))

    assert "Expire trial" not in button_titles(response)
    assert "Convert to Active" in button_titles(response)


def test_running_trial_rejects_expire(manager_client):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    instance = instance_in(InstanceState.TRIAL, trial_end_date=tomorrow)

    response = manager_client.post(
        transition_url(instance, InstanceState.EXPIRED), DIALOG_DATA, follow=True
    )

    instance.refresh_from_db()
    assert instance.state == InstanceState.TRIAL
    (error,) = message_texts(response, ERROR)
    assert str(tomorrow) in error


def test_dialog_shows_reason_field(manager_client):
    instance = instance_in(InstanceState.ACTIVE)

    response = manager_client.get(transition_url(instance, InstanceState.SUSPENDED))

    assert response.status_code == 200
    assert 'id="dialog"' in response.text
    assert 'name="reason"' in response.text
    assert f"Suspend {instance}?" in response.text


def test_suspend_without_reason_shows_service_message(manager_client):
    instance = instance_in(InstanceState.ACTIVE)

    response = manager_client.post(
        transition_url(instance, InstanceState.SUSPENDED),
        {"_form_submitted": "on", "reason": "  "},
    )

    instance.refresh_from_db()
    assert response.status_code == 200
    assert "The reason is missing" in response.text
    assert instance.state == InstanceState.ACTIVE
    assert not instance.events.exists()


def test_terminate_needs_confirmation(manager_client):
    instance = instance_in(InstanceState.ACTIVE)

    response = manager_client.post(
        transition_url(instance, InstanceState.TERMINATED),
        {"_form_submitted": "on", "reason": "Contract ended"},
    )

    instance.refresh_from_db()
    assert response.status_code == 200
    assert "The confirmation is missing" in response.text
    assert instance.state == InstanceState.ACTIVE


def test_terminate_dialog_asks_confirmation(manager_client):
    instance = instance_in(InstanceState.SUSPENDED)

    response = manager_client.get(transition_url(instance, InstanceState.TERMINATED))

    assert 'name="confirm"' in response.text
    assert "Terminated is final" in response.text


def test_dialog_post_from_htmx_redirects_with_header(manager_client):
    instance = instance_in(InstanceState.ACTIVE)

    response = manager_client.post(
        transition_url(instance, InstanceState.SUSPENDED),
        DIALOG_DATA,
        headers={"HX-Request": "true"},
    )

    instance.refresh_from_db()
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == change_url(instance)
    assert instance.state == InstanceState.SUSPENDED


def test_suspension_by_button_is_manual(manager_client):
    instance = instance_in(InstanceState.ACTIVE)

    manager_client.post(transition_url(instance, InstanceState.SUSPENDED), DIALOG_DATA)

    instance.refresh_from_db()
    event = instance.events.get()
    assert instance.suspension_kind == SuspensionKind.MANUAL
    assert event.suspension_kind == SuspensionKind.MANUAL


def test_unknown_state_is_not_found(manager_client):
    instance = instance_in(InstanceState.ACTIVE)

    response = manager_client.post(transition_url(instance, "paused"), DIALOG_DATA)

    assert response.status_code == 404


def test_unknown_instance_redirects(manager_client):
    url = reverse("admin:hosting_instance_transition", args=[999999, "suspended"])

    response = manager_client.post(url, DIALOG_DATA)

    assert response.status_code == 302
    assert not Instance.objects.filter(pk=999999).exists()


LIFECYCLE_ROLES = {"manager", "support_agent"}


@pytest.mark.parametrize("role", ROLES)
def test_transition_permission_by_role(staff_client, role):
    client = staff_client(role)
    instance = instance_in(InstanceState.ACTIVE)

    response = client.post(
        transition_url(instance, InstanceState.SUSPENDED), DIALOG_DATA
    )

    instance.refresh_from_db()
    if role in LIFECYCLE_ROLES:
        assert response.status_code == 302
        assert instance.state == InstanceState.SUSPENDED
    else:
        assert response.status_code == 403
        assert instance.state == InstanceState.ACTIVE
        assert not instance.events.exists()


@pytest.mark.parametrize("role", ROLES)
def test_dialog_permission_by_role(staff_client, role):
    client = staff_client(role)
    instance = instance_in(InstanceState.ACTIVE)

    response = client.get(transition_url(instance, InstanceState.SUSPENDED))

    assert response.status_code == (200 if role in LIFECYCLE_ROLES else 403)


@pytest.mark.parametrize("role", ROLES)
def test_buttons_shown_by_role(staff_client, role):
    client = staff_client(role)
    instance = instance_in(InstanceState.ACTIVE)

    response = client.get(change_url(instance))

    titles = button_titles(response)
    if role in LIFECYCLE_ROLES:
        assert {"Suspend", "Terminate"} <= titles
    else:
        assert not titles & LIFECYCLE_LABELS


@pytest.mark.parametrize("role", ROLES)
def test_record_payment_button_by_role(staff_client, role):
    client = staff_client(role)
    instance = instance_in(InstanceState.ACTIVE)

    response = client.get(change_url(instance))

    may_pay = role in {"manager", "billing_clerk"}
    assert ("Record payment" in button_titles(response)) is may_pay


def test_record_payment_button_opens_add_form(manager_client):
    instance = instance_in(InstanceState.ACTIVE)
    url = reverse("admin:hosting_instance_record_payment", args=[instance.pk])

    response = manager_client.get(url)

    assert response.status_code == 302
    assert response.url == (
        f"{reverse('admin:billing_payment_add')}?instance={instance.pk}"
    )


def test_record_payment_button_forbidden_to_support(staff_client):
    client = staff_client("support_agent")
    instance = instance_in(InstanceState.ACTIVE)
    url = reverse("admin:hosting_instance_record_payment", args=[instance.pk])

    response = client.get(url)

    assert response.status_code == 403


def test_history_lists_events_newest_first(manager_client, manager):
    instance = instance_in(InstanceState.ACTIVE)
    start = timezone.now() - datetime.timedelta(hours=2)
    suspend(
        instance,
        actor=Actor.staff(manager),
        reason="Abuse report",
        at=start,
    )
    payment = PaymentFactory(customer=instance.customer, instance=instance)
    InstanceEvent.objects.create(
        instance=instance,
        from_state=InstanceState.SUSPENDED,
        to_state=InstanceState.ACTIVE,
        at=start + datetime.timedelta(hours=1),
        actor_kind=ActorKind.PAYMENT,
        payment=payment,
        reason="Paid",
    )

    response = manager_client.get(change_url(instance))

    rows = response.context["instance_history"]["rows"]
    assert len(rows) == 2
    assert rows[0][1:3] == ["Suspended", "Active"]
    assert f"Payment #{payment.pk}" in rows[0][3]
    assert rows[1][1:3] == ["Active", "Suspended"]
    assert rows[1][3] == "manager"
    assert rows[1][4] == "Abuse report"
    assert rows[1][5] == "By hand"
    assert "Abuse report" in response.text
    assert 'id="instance-history"' in response.text


def test_history_marks_created_state(manager_client):
    instance = instance_in(InstanceState.ACTIVE)
    InstanceEvent.objects.create(
        instance=instance,
        from_state="",
        to_state=InstanceState.ACTIVE,
        actor_kind=ActorKind.IMPORT,
        reason="Imported from contracts.csv",
    )

    response = manager_client.get(change_url(instance))

    (row,) = response.context["instance_history"]["rows"]
    assert row[1] == "(new)"
    assert row[3] == "Import"


def test_history_is_read_only_for_reader(reader_client):
    instance = instance_in(InstanceState.ACTIVE)
    InstanceEvent.objects.create(
        instance=instance,
        from_state=InstanceState.TRIAL,
        to_state=InstanceState.ACTIVE,
        actor_kind=ActorKind.AUTOMATION,
    )

    response = reader_client.get(change_url(instance))

    assert response.status_code == 200
    (row,) = response.context["instance_history"]["rows"]
    assert row[3] == "Automation"
    assert 'name="_save"' not in response.text


@pytest.mark.parametrize("events", [1, 20])
def test_instance_page_queries(manager_client, django_assert_max_num_queries, events):
    instance = instance_in(InstanceState.ACTIVE, price=Decimal("49.00"))
    for index in range(events):
        payment = PaymentFactory(customer=instance.customer, instance=instance)
        InstanceEvent.objects.create(
            instance=instance,
            from_state=InstanceState.SUSPENDED,
            to_state=InstanceState.ACTIVE,
            actor_kind=ActorKind.PAYMENT,
            payment=payment,
            reason=f"Paid {index}",
        )

    with django_assert_max_num_queries(INSTANCE_PAGE_QUERIES):
        response = manager_client.get(change_url(instance))

    assert response.status_code == 200
    assert len(response.context["instance_history"]["rows"]) == events
