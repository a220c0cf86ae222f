import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from saas_manager.automation.management.commands.automate import parse_moment
from saas_manager.automation.models import RuleExecution
from saas_manager.hosting.models import InstanceEvent, InstanceState
from saas_manager.notifications.models import (
    Notification,
    NotificationEvent,
    NotificationTemplate,
)
from tests.automation.helpers import at, provisioned

pytestmark = pytest.mark.django_db


def _automate(*args, moment):
    out, err = io.StringIO(), io.StringIO()
    with time_machine.travel(moment, tick=False):
        call_command("automate", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue()


@pytest.fixture
def due(operator):
    """Two trials: one ending in 7 days on 7 March, one over by then."""
    reminded = provisioned(at(2026, 3, 1))
    expiring = provisioned(at(2026, 2, 1))
    return reminded, expiring


def _counts():
    return (
        InstanceEvent.objects.count(),
        Notification.objects.count(),
        RuleExecution.objects.count(),
    )


def test_dry_run_changes_nothing(due):
    before = _counts()

    lines, _ = _automate("--dry-run", moment=at(2026, 3, 7))

    assert _counts() == before
    assert lines[-1].startswith("Dry run for 2026-03-07T06:00:00+01:00: 2 actions")
    for instance in due:
        instance.refresh_from_db()
        assert instance.state == InstanceState.TRIAL


def test_dry_run_matches_real_run(due):
    reminded, expiring = due

    dry, _ = _automate("--dry-run", moment=at(2026, 3, 7))
    real, _ = _automate(moment=at(2026, 3, 7))

    assert [line.replace(": would ", ": ", 1) for line in dry[:-1]] == real[:-1]
    assert real[:-1] == [
        f"trial_reminder: {reminded}: remind that the trial ends on 2026-03-14, "
        "in 7 days",
        f"trial_expiry: {expiring}: expire the trial that ended on 2026-02-14",
    ]


def test_second_run_does_nothing(due):
    _automate(moment=at(2026, 3, 7))
    before = _counts()

    lines, _ = _automate(moment=at(2026, 3, 7))

    assert _counts() == before
    assert lines == ["Run for 2026-03-07T06:00:00+01:00: 0 actions, 0 failures."]


def test_at_runs_for_given_moment(due):
    reminded, expiring = due

    lines, _ = _automate(
        "--at", "2026-03-11T06:00:00+01:00", moment=at(2026, 3, 11, 6, 3)
    )

    reminded.refresh_from_db()
    expiring.refresh_from_db()
    assert expiring.state == InstanceState.EXPIRED
    assert expiring.events.last().at == at(2026, 3, 11)
    assert "in 3 days" in lines[0]


def test_bad_at_rejected(due):
    with pytest.raises(CommandError) as error:
        _automate("--at", "next tuesday", moment=at(2026, 3, 1))

    assert "--at next tuesday is not a valid moment" in str(error.value)


def test_date_only_at_is_local_midnight():
    moment = parse_moment("2026-03-01")

    assert moment == at(2026, 3, 1, 0)


def test_failure_exits_nonzero_others_go_on(due):
    reminded, expiring = due
    NotificationTemplate.objects.create(
        event=NotificationEvent.TRIAL_REMINDER,
        subject="Reminder",
        text_body='{% include "notifications/missing.txt" %}',
    )

    with pytest.raises(CommandError) as error:
        _automate(moment=at(2026, 3, 7))

    assert error.value.returncode == 1
    expiring.refresh_from_db()
    assert expiring.state == InstanceState.EXPIRED
    assert not RuleExecution.objects.filter(instance=reminded).exists()
    assert not Notification.objects.filter(
        event=NotificationEvent.TRIAL_REMINDER
    ).exists()


def test_failure_logged_with_instance(due, caplog):
    reminded, _ = due
    NotificationTemplate.objects.create(
        event=NotificationEvent.TRIAL_REMINDER,
        subject="Reminder",
        text_body='{% include "notifications/missing.txt" %}',
    )

    with pytest.raises(CommandError):
        _automate(moment=at(2026, 3, 7))

    failures = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r.getMessage() for r in failures] == [
        f"Rule trial_reminder failed on instance {reminded.pk} ({reminded})"
    ]


def test_send_option_sends_due_mail(due, mailoutbox):
    lines, _ = _automate("--send", moment=at(2026, 3, 7))

    assert lines[-1] == "Notifications: 4 sent, 0 to retry, 0 failed."
    assert len(mailoutbox) == 4


def test_dry_run_matches_every_rule(operator):
    from saas_manager.billing.services import record_payment
    from saas_manager.hosting.models import Instance
    from tests.factories import InstanceFactory, PaymentFactory

    operator.auto_termination_enabled = True
    operator.save()
    provisioned(at(2026, 5, 1))
    provisioned(at(2026, 4, 1))
    for start in (at(2026, 4, 1), at(2026, 4, 10)):
        paid = provisioned(start, trial_days=0)
        with time_machine.travel(start, tick=False):
            record_payment(instance=paid, amount="49.00", at=start)
    long_suspended = provisioned(at(2026, 1, 1), trial_days=0)
    expired = provisioned(at(2026, 1, 1))
    _automate(moment=at(2026, 1, 20))
    Instance.objects.filter(pk=long_suspended.pk).update(
        users_count=99, usage_measured_at=at(2026, 5, 7)
    )
    with time_machine.travel(at(2026, 5, 7), tick=False):
        InstanceFactory()
        PaymentFactory(customer=expired.customer, instance=expired, date="2026-05-07")
    moment = at(2026, 5, 8, 12)

    dry, _ = _automate("--dry-run", moment=moment)
    real, _ = _automate(moment=moment)

    rules = sorted(line.split(":")[0] for line in real[:-1])
    assert rules == [
        "overdue_suspension",
        "payment_reminder",
        "reactivation",
        "termination_warning",
        "trial_expiry",
        "trial_reminder",
        "watchdogs",
        "watchdogs",
    ]
    assert [line.replace(": would ", ": ", 1) for line in dry[:-1]] == real[:-1]
