import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from saas_manager.customers.models import CustomerStatus
from saas_manager.hosting import lifecycle
from saas_manager.hosting.lifecycle import (
    TRANSITIONS,
    Actor,
    ManualSuspension,
    RuleNotMet,
    TransitionNotAllowed,
    change_state,
    convert,
    expire,
    finish_provisioning,
    reactivate,
    suspend,
    terminate,
)
from saas_manager.hosting.models import (
    ActorKind,
    InstanceEvent,
    InstanceState,
    SuspensionKind,
)
from tests.factories import InstanceFactory, PaymentFactory, ServicePackageFactory
from tests.hosting.states import instance_in

pytestmark = pytest.mark.django_db

State = InstanceState
ONE_DAY = datetime.timedelta(days=1)
ALLOWED = {
    (State.PROVISIONING, State.TRIAL),
    (State.PROVISIONING, State.ACTIVE),
    (State.PROVISIONING, State.TERMINATED),
    (State.TRIAL, State.ACTIVE),
    (State.TRIAL, State.EXPIRED),
    (State.TRIAL, State.TERMINATED),
    (State.ACTIVE, State.SUSPENDED),
    (State.ACTIVE, State.TERMINATED),
    (State.SUSPENDED, State.ACTIVE),
    (State.SUSPENDED, State.TERMINATED),
    (State.EXPIRED, State.ACTIVE),
    (State.EXPIRED, State.TERMINATED),
}
ALL_PAIRS = list(itertools.product(State, State))


def test_table_matches_product_rules():
    pairs = {
        (source, target)
        for source, targets in TRANSITIONS.items()
        for target in targets
    }

    assert pairs == ALLOWED


@pytest.mark.parametrize(("source", "target"), ALL_PAIRS)
def test_change_state_pair(source, target, support_agent):
    instance = instance_in(source)
    actor = Actor.staff(support_agent)

    if (source, target) in ALLOWED:
        event = change_state(instance, target, actor=actor, reason="Customer request")

        instance.refresh_from_db()
        assert instance.state == target
        assert event.from_state == source
        assert event.to_state == target
        assert event.actor_kind == ActorKind.STAFF
        assert event.actor_user == support_agent
        assert event.reason == "Customer request"
    else:
        with pytest.raises(TransitionNotAllowed) as raised:
            change_state(instance, target, actor=actor, reason="Customer request")

        instance.refresh_from_db()
        assert instance.state == source
        assert raised.value.from_state == source
        assert raised.value.to_state == target
        assert str(State(source).label) in raised.value.message
        assert str(State(target).label) in raised.value.message
        assert not InstanceEvent.objects.filter(instance=instance).exists()


def test_refused_message_names_states():
    instance = instance_in(State.TERMINATED)

    with pytest.raises(TransitionNotAllowed) as raised:
        reactivate(instance, actor=Actor.automation())

    assert str(raised.value) == "An instance in state Terminated cannot become Active."


def test_convert_only_from_trial():
    instance = instance_in(State.SUSPENDED)

    with pytest.raises(TransitionNotAllowed):
        convert(instance, actor=Actor.automation())

    instance.refresh_from_db()
    assert instance.state == State.SUSPENDED


def test_finish_provisioning_starts_trial():
    package = ServicePackageFactory(trial_days=14)
    instance = InstanceFactory(package=package)
    today = timezone.localdate()

    event = finish_provisioning(instance, actor=Actor.automation())

    instance.refresh_from_db()
    assert event.to_state == State.TRIAL
    assert instance.state == State.TRIAL
    assert instance.trial_end_date == today + datetime.timedelta(days=13)
    assert instance.start_date == today
    assert instance.billing_start is None
    assert instance.customer.status == CustomerStatus.PROSPECT


def test_finish_provisioning_without_trial_days():
    package = ServicePackageFactory(trial_days=0)
    instance = InstanceFactory(package=package)

    finish_provisioning(instance, actor=Actor.automation())

    instance.refresh_from_db()
    assert instance.state == State.ACTIVE
    assert instance.trial_end_date is None
    assert instance.billing_start == timezone.localdate()
    assert instance.customer.status == CustomerStatus.ACTIVE


def test_finish_provisioning_after_payment():
    instance = InstanceFactory(package=ServicePackageFactory(trial_days=14))
    PaymentFactory(customer=instance.customer, instance=instance)

    finish_provisioning(instance, actor=Actor.automation())

    instance.refresh_from_db()
    assert instance.state == State.ACTIVE


def test_finish_provisioning_rejects_trial_after_payment():
    instance = InstanceFactory(package=ServicePackageFactory(trial_days=14))
    PaymentFactory(customer=instance.customer, instance=instance)

    with pytest.raises(RuleNotMet, match="cannot start a trial"):
        finish_provisioning(instance, actor=Actor.automation(), target=State.TRIAL)

    instance.refresh_from_db()
    assert instance.state == State.PROVISIONING


def test_finish_provisioning_keeps_trial_end():
    chosen = timezone.localdate() + datetime.timedelta(days=30)
    instance = InstanceFactory(trial_end_date=chosen)

    finish_provisioning(instance, actor=Actor.automation())

    instance.refresh_from_db()
    assert instance.trial_end_date == chosen


def test_convert_before_trial_end_bills_after_it():
    trial_end = timezone.localdate() + datetime.timedelta(days=5)
    instance = instance_in(State.TRIAL, trial_end_date=trial_end)

    convert(instance, actor=Actor.automation())

    instance.refresh_from_db()
    assert instance.billing_start == trial_end + ONE_DAY
    assert instance.paid_up_to == trial_end


def test_convert_after_trial_end_bills_today():
    instance = instance_in(State.TRIAL)

    convert(instance, actor=Actor.automation())

    instance.refresh_from_db()
    assert instance.billing_start == timezone.localdate()


def test_reactivate_expired_bills_today():
    instance = instance_in(State.EXPIRED)

    reactivate(instance, actor=Actor.automation())

    instance.refresh_from_db()
    assert instance.state == State.ACTIVE
    assert instance.billing_start == timezone.localdate()


def test_reactivate_keeps_billing_start():
    instance = instance_in(State.SUSPENDED)
    billing_start = instance.billing_start

    reactivate(instance, actor=Actor.staff(None), reason="Paid by cheque")

    instance.refresh_from_db()
    assert instance.billing_start == billing_start
    assert instance.suspension_kind == ""
    assert instance.suspended_at is None


def test_expire_rejects_running_trial():
    instance = instance_in(State.TRIAL, trial_end_date=timezone.localdate())

    with pytest.raises(RuleNotMet, match="cannot expire before"):
        expire(instance, actor=Actor.automation())

    instance.refresh_from_db()
    assert instance.state == State.TRIAL


def test_expire_day_after_trial_end():
    instance = instance_in(State.TRIAL)

    event = expire(instance, actor=Actor.automation())

    instance.refresh_from_db()
    assert instance.state == State.EXPIRED
    assert event.actor_kind == ActorKind.AUTOMATION
    assert instance.customer.status == CustomerStatus.PROSPECT


def test_suspend_by_hand_needs_reason():
    instance = instance_in(State.ACTIVE)

    with pytest.raises(ValidationError) as raised:
        suspend(instance, actor=Actor.staff(None), reason="  ")

    assert "reason" in raised.value.message_dict
    instance.refresh_from_db()
    assert instance.state == State.ACTIVE


def test_suspend_stores_kind_and_time():
    instance = instance_in(State.ACTIVE)
    moment = timezone.now()

    event = suspend(instance, actor=Actor.staff(None), reason="Abuse", at=moment)

    instance.refresh_from_db()
    assert instance.suspension_kind == SuspensionKind.MANUAL
    assert instance.suspended_at == moment
    assert event.suspension_kind == SuspensionKind.MANUAL
    assert event.at == moment
    assert instance.customer.status == CustomerStatus.SUSPENDED


def test_suspend_overdue_when_overdue():
    instance = instance_in(State.ACTIVE)

    event = suspend(instance, actor=Actor.automation(), kind=SuspensionKind.OVERDUE)

    instance.refresh_from_db()
    assert instance.suspension_kind == SuspensionKind.OVERDUE
    assert event.reason == f"Overdue: paid up to {instance.paid_up_to}."


def test_suspend_overdue_rejects_paid_instance():
    paid_up_to = timezone.localdate()
    instance = instance_in(State.ACTIVE, paid_up_to=paid_up_to)

    with pytest.raises(RuleNotMet, match="is not overdue"):
        suspend(instance, actor=Actor.automation(), kind=SuspensionKind.OVERDUE)

    instance.refresh_from_db()
    assert instance.state == State.ACTIVE


def test_manual_suspension_needs_staff():
    instance = instance_in(State.SUSPENDED)

    with pytest.raises(ManualSuspension, match="suspended by hand"):
        reactivate(instance, actor=Actor.automation())

    instance.refresh_from_db()
    assert instance.state == State.SUSPENDED


def test_overdue_suspension_lifted_by_automation():
    instance = instance_in(State.SUSPENDED, suspension_kind=SuspensionKind.OVERDUE)

    reactivate(instance, actor=Actor.automation())

    instance.refresh_from_db()
    assert instance.state == State.ACTIVE


def test_terminate_needs_reason():
    instance = instance_in(State.ACTIVE)

    with pytest.raises(ValidationError):
        terminate(instance, actor=Actor.staff(None), reason="")

    instance.refresh_from_db()
    assert instance.state == State.ACTIVE


def test_terminate_paying_customer():
    instance = instance_in(State.ACTIVE)

    terminate(instance, actor=Actor.staff(None), reason="Contract ended")

    instance.refresh_from_db()
    assert instance.state == State.TERMINATED
    assert instance.customer.status == CustomerStatus.TERMINATED


def test_terminate_unpaid_trial_customer():
    instance = instance_in(State.TRIAL)

    terminate(instance, actor=Actor.staff(None), reason="Lost lead")

    instance.refresh_from_db()
    assert instance.customer.status == CustomerStatus.PROSPECT


def test_transition_updates_caller_object():
    instance = instance_in(State.ACTIVE)

    suspend(instance, actor=Actor.staff(None), reason="Abuse")

    assert instance.state == State.SUSPENDED
    assert instance.suspension_kind == SuspensionKind.MANUAL


def test_transition_writes_history_user(support_agent):
    instance = instance_in(State.ACTIVE)

    suspend(instance, actor=Actor.staff(support_agent), reason="Abuse")

    latest = instance.history.latest()
    assert latest.state == State.SUSPENDED
    assert latest.history_user == support_agent


def test_signal_sent_after_commit(django_capture_on_commit_callbacks):
    instance = instance_in(State.ACTIVE)
    received = []

    def receiver(sender, event, **kwargs):
        received.append(event)

    lifecycle.state_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event = suspend(instance, actor=Actor.staff(None), reason="Abuse")
    finally:
        lifecycle.state_changed.disconnect(receiver)

    assert received == [event]
