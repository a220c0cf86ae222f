import datetime

import pytest
import time_machine

from saas_manager.notifications.models import Notification, NotificationStatus
from saas_manager.notifications.sending import send_due_notifications
from tests.automation.helpers import at, provisioned, run

pytestmark = pytest.mark.django_db


def _send(moment):
    with time_machine.travel(moment, tick=False):
        return send_due_notifications(moment)


def _received(smtp):
    return sorted(
        (tuple(sorted(rcpt)), message["Subject"]) for _, rcpt, message in smtp.messages
    )


def test_trial_mail_waits_for_server(smtp, operator):
    instance = provisioned(at(2026, 3, 1))
    reminder_day = at(2026, 3, 7)

    run(reminder_day)
    down = _send(reminder_day)
    smtp.start()
    up = _send(reminder_day + datetime.timedelta(minutes=1))
    again = _send(reminder_day + datetime.timedelta(minutes=30))

    assert down.retried == 2
    assert up.sent == 2
    assert again.attempted == 0
    assert _received(smtp) == [
        (
            ("accounts@customer.example",),
            f"Your trial of {instance} ends in 7 days",
        ),
        (
            ("ops@operator.example",),
            f"[{instance.customer}] Your trial of {instance} ends in 7 days",
        ),
    ]


def test_whole_trial_course_mails_once_each(smtp, operator):
    smtp.start()
    instance = provisioned(at(2026, 3, 1))

    for day in (7, 7, 11, 13, 15, 15, 16):
        moment = at(2026, 3, day)
        run(moment)
        _send(moment)

    subjects = [subject for rcpt, subject in _received(smtp) if "ops" not in rcpt[0]]
    assert sorted(subjects) == sorted(
        [
            f"Your trial of {instance} ends in 7 days",
            f"Your trial of {instance} ends in 3 days",
            f"Your trial of {instance} ends tomorrow",
            f"The trial of {instance} has ended",
        ]
    )
    assert len(smtp.messages) == 8
    assert set(Notification.objects.values_list("status", flat=True)) == {
        NotificationStatus.SENT
    }


def test_dry_run_sends_nothing(smtp, operator):
    smtp.start()
    provisioned(at(2026, 3, 1))

    report = run(at(2026, 3, 7), dry_run=True)
    sent = _send(at(2026, 3, 7))

    assert len(report.actions) == 1
    assert sent.attempted == 0
    assert smtp.messages == []
