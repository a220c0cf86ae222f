import datetime
from decimal import Decimal

import pytest
import time_machine

from saas_manager.automation.models import Alert, AlertKind, AutomationRule
from saas_manager.billing.choices import PaymentStatus
from saas_manager.catalog.models import BackupFrequency
from saas_manager.hosting.models import Instance
from saas_manager.notifications.models import Audience, Notification, NotificationEvent
from tests.automation.helpers import at, provisioned, run
from tests.factories import InstanceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def _alerts(report):
    return [
        action.description
        for action in report.actions
        if action.rule == AutomationRule.WATCHDOGS
    ]


def _measure(instance, moment, **usage):
    Instance.objects.filter(pk=instance.pk).update(usage_measured_at=moment, **usage)
    instance.refresh_from_db()


@pytest.fixture
def active(operator):
    instance = provisioned(
        at(2026, 1, 10),
        trial_days=0,
        package__max_users=10,
        package__storage_gb=10,
        package__backup_frequency=BackupFrequency.DAILY,
    )
    _measure(
        instance,
        at(2026, 1, 10, 7),
        users_count=10,
        storage_mb=9216,
        last_backup_at=at(2026, 1, 10, 2),
    )
    return instance


def test_limits_exactly_met_raise_nothing(active):
    report = run(at(2026, 1, 10, 8))

    assert _alerts(report) == []


def test_users_over_limit_alert_once(active):
    _measure(active, at(2026, 1, 10, 9), users_count=11)

    first = run(at(2026, 1, 10, 9, 15))
    second = run(at(2026, 1, 10, 9, 30))

    assert _alerts(first) == ["raise alert: Users over the package limit"]
    assert _alerts(second) == []
    alert = Alert.objects.get(kind=AlertKind.USERS_OVER_LIMIT)
    assert alert.detail == f"{active} has 11 active internal users, limit 10."
    notices = Notification.objects.filter(
        event=NotificationEvent.ALERT_USERS_OVER_LIMIT
    )
    assert [row.audience for row in notices] == [Audience.STAFF]
    assert notices[0].recipients == ["ops@operator.example"]


def test_alert_clears_and_raises_again(active):
    _measure(active, at(2026, 1, 10, 9), users_count=11)
    run(at(2026, 1, 10, 9, 15))
    _measure(active, at(2026, 1, 10, 10), users_count=9)

    cleared = run(at(2026, 1, 10, 10, 15))
    _measure(active, at(2026, 1, 10, 11), users_count=12)
    raised = run(at(2026, 1, 10, 11, 15))

    assert _alerts(cleared) == ["clear alert: Users over the package limit"]
    assert _alerts(raised) == ["raise alert: Users over the package limit"]
    assert Alert.objects.filter(kind=AlertKind.USERS_OVER_LIMIT).count() == 2
    assert Alert.objects.open().count() == 1
    assert (
        Notification.objects.filter(
            event=NotificationEvent.ALERT_USERS_OVER_LIMIT
        ).count()
        == 2
    )


def test_storage_above_ninety_percent(active):
    _measure(active, at(2026, 1, 10, 9), storage_mb=9217)

    report = run(at(2026, 1, 10, 9, 15))

    assert _alerts(report) == ["raise alert: Storage nearly full"]


def test_storage_over_limit_replaces_high(active):
    _measure(active, at(2026, 1, 10, 9), storage_mb=9500)
    run(at(2026, 1, 10, 9, 15))
    _measure(active, at(2026, 1, 10, 10), storage_mb=10241)

    report = run(at(2026, 1, 10, 10, 15))

    assert sorted(_alerts(report)) == [
        "clear alert: Storage nearly full",
        "raise alert: Storage over the package limit",
    ]


def test_backup_outdated_once(active):
    ontime = run(at(2026, 1, 11, 14))
    late = run(at(2026, 1, 11, 14, 15))
    again = run(at(2026, 1, 12, 6))

    assert _alerts(ontime) == []
    assert _alerts(late) == ["raise alert: Backup outdated"]
    assert _alerts(again) == []


def test_no_backup_alert_without_measurement(operator):
    provisioned(at(2026, 1, 10), trial_days=0)

    report = run(at(2026, 2, 10))

    assert _alerts(report) == []


def test_provisioning_timeout_once(operator):
    with time_machine.travel(at(2026, 1, 10, 8), tick=False):
        InstanceFactory()

    within = run(at(2026, 1, 10, 10))
    late = run(at(2026, 1, 10, 10, 15))
    again = run(at(2026, 1, 10, 10, 30))

    assert _alerts(within) == []
    assert _alerts(late) == ["raise alert: Provisioning not finished"]
    assert _alerts(again) == []


def test_pending_payment_once(operator):
    payment = PaymentFactory(
        status=PaymentStatus.PENDING,
        amount=Decimal("120.00"),
        date=datetime.date(2026, 1, 2),
    )

    within = run(at(2026, 1, 9))
    late = run(at(2026, 1, 10))
    again = run(at(2026, 1, 11))
    payment.status = PaymentStatus.FAILED
    payment.save()
    cleared = run(at(2026, 1, 12))

    assert _alerts(within) == []
    assert late.failures == []
    assert _alerts(late) == ["raise alert: Payment pending too long"]
    assert _alerts(again) == []
    assert _alerts(cleared) == ["clear alert: Payment pending too long"]
    notice = Notification.objects.get(event=NotificationEvent.ALERT_PAYMENT_PENDING)
    assert "120.00 EUR" in notice.text_body
    assert notice.customer == payment.customer
