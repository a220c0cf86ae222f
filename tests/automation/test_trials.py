import datetime

import pytest

from saas_manager.automation.models import AutomationRule, RuleExecution
from saas_manager.automation.rules.reminders import reminder_day
from saas_manager.hosting.models import ActorKind, InstanceState
from saas_manager.notifications.models import (
    Audience,
    Notification,
    NotificationEvent,
)
from tests.automation.helpers import at, provisioned, run

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(8, None), (7, 7), (5, 7), (3, 3), (2, 3), (1, 1), (0, 1), (-1, None)],
)
def test_reminder_day_table(days_left, expected):
    assert reminder_day(days_left, [7, 3, 1]) == expected


def test_trial_reminded_then_expired(operator):
    instance = provisioned(at(2026, 3, 1))
    assert instance.state == InstanceState.TRIAL
    assert instance.trial_end_date == datetime.date(2026, 3, 14)

    quiet = run(at(2026, 3, 6))
    seven = run(at(2026, 3, 7))
    again = run(at(2026, 3, 7, 18))
    three = run(at(2026, 3, 11))
    one = run(at(2026, 3, 13))
    last_day = run(at(2026, 3, 14, 23, 59))
    expired = run(at(2026, 3, 15, 0, 5))

    assert quiet.actions == []
    assert [action.rule for action in seven.actions] == [AutomationRule.TRIAL_REMINDER]
    assert again.actions == []
    assert len(three.actions) == 1
    assert len(one.actions) == 1
    assert last_day.actions == []
    assert [action.rule for action in expired.actions] == [AutomationRule.TRIAL_EXPIRY]
    instance.refresh_from_db()
    assert instance.state == InstanceState.EXPIRED
    event = instance.events.order_by("-at", "-id").first()
    assert event.to_state == InstanceState.EXPIRED
    assert event.actor_kind == ActorKind.AUTOMATION
    assert event.at == at(2026, 3, 15, 0, 5)
    reminders = Notification.objects.filter(
        event=NotificationEvent.TRIAL_REMINDER, audience=Audience.CUSTOMER
    ).order_by("created_at")
    assert [row.subject for row in reminders] == [
        f"Your trial of {instance} ends in 7 days",
        f"Your trial of {instance} ends in 3 days",
        f"Your trial of {instance} ends tomorrow",
    ]
    assert reminders[0].recipients == ["accounts@customer.example"]
    notice = Notification.objects.get(
        event=NotificationEvent.TRIAL_EXPIRED, audience=Audience.CUSTOMER
    )
    assert notice.recipients == ["accounts@customer.example"]
    assert Notification.objects.filter(audience=Audience.STAFF).count() == 4


def test_expiry_runs_twice_changes_nothing(operator):
    instance = provisioned(at(2026, 3, 1))
    run(at(2026, 3, 15))
    events = instance.events.count()
    notifications = Notification.objects.count()

    second = run(at(2026, 3, 15))

    assert second.actions == []
    assert instance.events.count() == events
    assert Notification.objects.count() == notifications
    assert RuleExecution.objects.filter(rule=AutomationRule.TRIAL_EXPIRY).count() == 1


def test_trial_not_expired_on_last_day(operator):
    instance = provisioned(at(2026, 3, 1))

    report = run(at(2026, 3, 14, 23, 59))

    instance.refresh_from_db()
    assert instance.state == InstanceState.TRIAL
    assert AutomationRule.TRIAL_EXPIRY not in [a.rule for a in report.actions]


def test_late_trial_gets_one_reminder(operator):
    instance = provisioned(at(2026, 3, 10), trial_days=5)

    first = run(at(2026, 3, 10))
    second = run(at(2026, 3, 10, 20))

    assert instance.trial_end_date == datetime.date(2026, 3, 14)
    assert [a.description for a in first.actions] == [
        "remind that the trial ends on 2026-03-14, in 4 days"
    ]
    assert second.actions == []


def test_no_reminders_when_setting_empty(operator):
    operator.trial_reminder_days = ""
    operator.save()
    provisioned(at(2026, 3, 1))

    report = run(at(2026, 3, 7))

    assert report.actions == []
