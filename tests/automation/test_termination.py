import pytest
import time_machine

from saas_manager.automation.models import AutomationRule
from saas_manager.billing.services import record_payment
from saas_manager.hosting.lifecycle import Actor, suspend
from saas_manager.hosting.models import ActorKind, InstanceState
from saas_manager.notifications.models import Audience, Notification, NotificationEvent
from tests.automation.helpers import at, provisioned, run
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def suspended(operator):
    """An instance suspended for an overdue payment on 17 February 2026."""
    instance = provisioned(at(2026, 1, 10), trial_days=0)
    with time_machine.travel(at(2026, 1, 10, 9), tick=False):
        record_payment(instance=instance, amount="49.00", at=at(2026, 1, 10, 9))
    run(at(2026, 2, 17))
    instance.refresh_from_db()
    assert instance.state == InstanceState.SUSPENDED
    return instance


@pytest.fixture
def auto_termination(operator):
    operator.auto_termination_enabled = True
    operator.termination_warning_days = 30
    operator.termination_days = 45
    operator.save()
    return operator


def _rules(report):
    return [action.rule for action in report.actions]


def test_nothing_when_turned_off(suspended):
    report = run(at(2026, 6, 1))

    assert report.actions == []
    suspended.refresh_from_db()
    assert suspended.state == InstanceState.SUSPENDED


def test_warning_then_terminated(suspended, auto_termination):
    before_warning = run(at(2026, 3, 18))
    warned = run(at(2026, 3, 19))
    warned_again = run(at(2026, 3, 25))
    before_end = run(at(2026, 4, 2))
    terminated = run(at(2026, 4, 3))
    after = run(at(2026, 4, 4))

    assert before_warning.actions == []
    assert _rules(warned) == [AutomationRule.TERMINATION_WARNING]
    assert warned_again.actions == []
    assert before_end.actions == []
    assert _rules(terminated) == [AutomationRule.TERMINATION]
    assert after.actions == []
    suspended.refresh_from_db()
    assert suspended.state == InstanceState.TERMINATED
    event = suspended.events.order_by("-at", "-id").first()
    assert event.actor_kind == ActorKind.AUTOMATION
    assert "terminated after 45 days" in event.reason
    warning = Notification.objects.get(
        event=NotificationEvent.TERMINATION_WARNING, audience=Audience.CUSTOMER
    )
    assert warning.subject == f"{suspended} will be terminated on 3 April 2026"
    assert Notification.objects.filter(
        event=NotificationEvent.TERMINATED, audience=Audience.CUSTOMER
    ).exists()


def test_late_switch_gives_full_notice(suspended, auto_termination):
    warned = run(at(2026, 5, 1))
    too_soon = run(at(2026, 5, 15))
    terminated = run(at(2026, 5, 16))

    assert _rules(warned) == [AutomationRule.TERMINATION_WARNING]
    assert too_soon.actions == []
    assert _rules(terminated) == [AutomationRule.TERMINATION]


def test_payment_after_warning_saves_instance(suspended, auto_termination):
    run(at(2026, 3, 19))
    with time_machine.travel(at(2026, 3, 20), tick=False):
        record_payment(instance=suspended, amount="98.00", at=at(2026, 3, 20))

    report = run(at(2026, 4, 3))

    assert AutomationRule.TERMINATION not in _rules(report)
    suspended.refresh_from_db()
    assert suspended.state == InstanceState.ACTIVE


def test_manual_suspension_not_terminated(operator, auto_termination):
    instance = provisioned(at(2026, 1, 10), trial_days=0)
    with time_machine.travel(at(2026, 1, 11), tick=False):
        suspend(instance, actor=Actor.staff(UserFactory()), reason="Customer asked")

    report = run(at(2026, 6, 1))

    assert AutomationRule.TERMINATION_WARNING not in _rules(report)
    instance.refresh_from_db()
    assert instance.state == InstanceState.SUSPENDED


def test_termination_date_counts_from_suspension(suspended, auto_termination):
    run(at(2026, 3, 19))

    warning = Notification.objects.get(
        event=NotificationEvent.TERMINATION_WARNING, audience=Audience.CUSTOMER
    )

    assert "suspended since 17 February 2026" in warning.text_body
    assert "terminated on 3 April 2026" in warning.text_body
