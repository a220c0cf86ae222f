import datetime

import pytest
import time_machine
from django.utils import timezone

from saas_manager.notifications.models import (
    Audience,
    Notification,
    NotificationEvent,
    NotificationStatus,
)
from saas_manager.notifications.recipients import AUDIENCES
from saas_manager.notifications.samples import sample_context
from saas_manager.notifications.sending import retry_delay, send_due_notifications
from saas_manager.notifications.services import notify
from tests.factories import ContactFactory, InstanceFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 5, 4, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def instance(db):
    instance = InstanceFactory(customer__name="Acme & Sons")
    ContactFactory(
        customer=instance.customer, email="owner@acme.example", is_primary=True
    )
    ContactFactory(
        customer=instance.customer,
        email="accounts@acme.example",
        is_primary=False,
        is_billing=True,
    )
    ContactFactory(
        customer=instance.customer,
        email="it@acme.example",
        is_primary=False,
        is_technical=True,
    )
    return instance


def _notify(event, instance, key="test"):
    return notify(
        event,
        key=f"{event}:{key}",
        now=START,
        instance=instance,
        context=sample_context(event, instance, START),
    )


def test_retry_delays_grow_fivefold():
    assert [retry_delay(attempt) for attempt in (1, 2, 3, 4)] == [
        datetime.timedelta(minutes=1),
        datetime.timedelta(minutes=5),
        datetime.timedelta(minutes=25),
        datetime.timedelta(minutes=125),
    ]


EXPECTED_CUSTOMER_RECIPIENTS = {
    ("billing",): ["accounts@acme.example"],
    ("billing", "technical"): ["accounts@acme.example", "it@acme.example"],
}


@pytest.mark.parametrize("event", NotificationEvent.values)
def test_each_template_arrives(smtp, operator, instance, event):
    smtp.start()
    rows = _notify(event, instance)

    report = send_due_notifications(START)

    roles = AUDIENCES[event].contact_roles
    assert report.sent == len(rows)
    received = {tuple(sorted(rcpt)): message for _, rcpt, message in smtp.messages}
    staff = received.pop(("ops@operator.example",))
    assert staff["From"] == "billing@operator.example"
    assert str(instance) in staff["Subject"]
    if roles:
        expected = EXPECTED_CUSTOMER_RECIPIENTS[roles]
        customer = received.pop(tuple(expected))
        text = customer.get_body(("plain",)).get_content()
        html = customer.get_body(("html",)).get_content()
        assert str(instance) in customer["Subject"]
        assert "Acme & Sons" in text
        assert "Acme &amp; Sons" in html, html
        assert staff["Subject"] == f"[Acme & Sons] {customer['Subject']}"
        assert customer["X-SaaS-Manager-Notification"] == f"{event}:test:customer"
    assert received == {}
    for row in rows:
        row.refresh_from_db()
        assert row.status == NotificationStatus.SENT
        assert row.sent_at == START
        assert row.attempts == 1


def test_server_down_then_up(smtp, operator, instance):
    rows = _notify(NotificationEvent.SUSPENDED_OVERDUE, instance)

    down = send_due_notifications(START)
    too_early = send_due_notifications(START + datetime.timedelta(seconds=59))
    smtp.start()
    up = send_due_notifications(START + datetime.timedelta(minutes=1))
    after = send_due_notifications(START + datetime.timedelta(hours=2))

    assert down.retried == 2
    assert too_early.attempted == 0
    assert up.sent == 2
    assert after.attempted == 0
    assert len(smtp.messages) == 2
    for row in rows:
        row.refresh_from_db()
        assert row.status == NotificationStatus.SENT
        assert row.attempts == 2
        assert row.last_error == ""


def test_failure_recorded_between_attempts(smtp, operator, instance):
    row = _notify(NotificationEvent.PAYMENT_ON_TERMINATED, instance)[0]

    send_due_notifications(START)

    row.refresh_from_db()
    assert row.status == NotificationStatus.PENDING
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at == START + datetime.timedelta(minutes=1)


def test_retry_delay_capped_at_one_day(settings):
    settings.NOTIFICATION_FIRST_RETRY_MINUTES = 1440

    delays = [retry_delay(attempt) for attempt in range(1, 21)]

    assert delays == [datetime.timedelta(days=1)] * 20


def test_retry_delays_reach_cap():
    delays = [retry_delay(attempt) for attempt in (5, 6, 20, 10**6)]

    assert delays == [
        datetime.timedelta(minutes=625),
        datetime.timedelta(days=1),
        datetime.timedelta(days=1),
        datetime.timedelta(days=1),
    ]


def test_twenty_attempts_then_failed(smtp, settings, operator, instance):
    settings.NOTIFICATION_MAX_ATTEMPTS = 20
    row = _notify(NotificationEvent.PAYMENT_ON_TERMINATED, instance)[0]

    for day in range(30):
        send_due_notifications(START + datetime.timedelta(days=day, minutes=1))

    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED
    assert row.attempts == 20
    assert row.next_attempt_at is None


def test_failed_after_last_attempt(smtp, settings, operator, instance):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    row = _notify(NotificationEvent.PAYMENT_ON_TERMINATED, instance)[0]

    for minutes in (0, 1, 6, 31, 200):
        send_due_notifications(START + datetime.timedelta(minutes=minutes))

    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED
    assert row.attempts == 3
    assert row.next_attempt_at is None
    assert "ConnectionRefusedError" in row.last_error


def test_same_key_stored_once(operator, instance):
    first = _notify(NotificationEvent.TERMINATED, instance)

    second = _notify(NotificationEvent.TERMINATED, instance)

    assert len(first) == 2
    assert second == []
    assert Notification.objects.count() == 2


def test_groups_get_one_row_each(operator, instance):
    rows = _notify(NotificationEvent.REACTIVATED, instance)

    assert sorted(row.audience for row in rows) == [Audience.CUSTOMER, Audience.STAFF]
    assert [row.key for row in rows] == [
        "reactivated:test:customer",
        "reactivated:test:staff",
    ]


def test_missing_recipients_fail_at_once(operator, instance):
    operator.staff_emails = ""
    operator.save()

    row = _notify(NotificationEvent.ALERT_STORAGE_HIGH, instance)[0]

    assert row.status == NotificationStatus.FAILED
    assert row.next_attempt_at is None
    assert row.last_error.startswith("No staff recipient")


def test_sends_nothing_twice_in_one_batch(smtp, operator, instance):
    smtp.start()
    _notify(NotificationEvent.TERMINATED, instance, key="a")
    _notify(NotificationEvent.TERMINATED, instance, key="b")

    with time_machine.travel(START, tick=False):
        first = send_due_notifications()
        second = send_due_notifications(timezone.now())

    assert first.sent == 4
    assert second.attempted == 0
    assert len(smtp.messages) == 4
