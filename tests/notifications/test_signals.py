import datetime

import pytest
import time_machine

from saas_manager.billing.services import record_payment
from saas_manager.hosting.lifecycle import Actor, finish_provisioning, suspend
from saas_manager.hosting.models import SuspensionKind
from saas_manager.notifications.models import Notification, NotificationEvent
from tests.factories import ContactFactory, InstanceFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 1, 10, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def overdue_suspended(operator):
    with time_machine.travel(START, tick=False):
        instance = InstanceFactory(package__trial_days=0)
        ContactFactory(customer=instance.customer, email="boss@c.example")
        finish_provisioning(instance, actor=Actor.automation(), at=START)
    later = START + datetime.timedelta(days=30)
    with time_machine.travel(later, tick=False):
        suspend(
            instance, actor=Actor.automation(), kind=SuspensionKind.OVERDUE, at=later
        )
    return instance


def test_payment_reactivation_notified_on_commit(
    overdue_suspended, django_capture_on_commit_callbacks
):
    moment = START + datetime.timedelta(days=31)

    with (
        time_machine.travel(moment, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = record_payment(instance=overdue_suspended, amount="98.00", at=moment)

    assert result.effect == "reactivated"
    rows = Notification.objects.filter(event=NotificationEvent.REACTIVATED)
    assert sorted(rows.values_list("audience", flat=True)) == ["customer", "staff"]
    assert rows.get(audience="customer").recipients == ["boss@c.example"]


def test_manual_suspension_not_notified(
    operator, support_agent, django_capture_on_commit_callbacks
):
    instance = InstanceFactory(package__trial_days=0)
    finish_provisioning(instance, actor=Actor.automation())

    with django_capture_on_commit_callbacks(execute=True):
        suspend(instance, actor=Actor.staff(support_agent), reason="Abuse")

    assert not Notification.objects.exists()
