import datetime
import threading

import pytest
import time_machine
from django.db import connection, connections

from saas_manager.automation.models import Alert, RuleExecution
from saas_manager.automation.runner import run_automation
from saas_manager.billing.choices import PaymentStatus
from saas_manager.billing.services import record_payment
from saas_manager.hosting.models import InstanceEvent, InstanceState
from saas_manager.notifications.models import Notification
from saas_manager.notifications.sending import send_due_notifications
from tests.automation.helpers import at, provisioned
from tests.factories import PaymentFactory

THREADS = 6


@pytest.fixture
def postgres_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent writers need PostgreSQL")


def _in_threads(target, count=THREADS):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(target())
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.usefixtures("postgres_only")
def test_parallel_runs_act_once(operator, mailoutbox):
    reminded = [provisioned(at(2026, 3, 1)) for _ in range(3)]
    expiring = [provisioned(at(2026, 2, 1)) for _ in range(3)]
    overdue = []
    for _ in range(3):
        instance = provisioned(at(2026, 1, 10), trial_days=0)
        with time_machine.travel(at(2026, 1, 10, 9), tick=False):
            record_payment(instance=instance, amount="49.00", at=at(2026, 1, 10, 9))
        overdue.append(instance)
    PaymentFactory(status=PaymentStatus.PENDING, date=datetime.date(2026, 2, 1))
    events_before = InstanceEvent.objects.count()
    moment = at(2026, 3, 7)

    results, errors = _in_threads(lambda: run_automation(moment))

    assert errors == []
    assert all(report.failures == [] for report in results)
    actions = sorted(str(action) for report in results for action in report.actions)
    assert len(actions) == 10
    assert len(set(actions)) == 10
    assert InstanceEvent.objects.count() == events_before + 6
    assert RuleExecution.objects.count() == 9
    assert Alert.objects.count() == 1
    assert Notification.objects.count() == 19
    for instance in expiring:
        instance.refresh_from_db()
        assert instance.state == InstanceState.EXPIRED
        assert instance.events.filter(to_state=InstanceState.EXPIRED).count() == 1
    for instance in overdue:
        instance.refresh_from_db()
        assert instance.state == InstanceState.SUSPENDED
    assert len(reminded) == 3


@pytest.mark.usefixtures("postgres_only")
def test_parallel_senders_send_once(operator, mailoutbox):
    for _ in range(4):
        provisioned(at(2026, 2, 1))
    run_automation(at(2026, 3, 7))
    stored = Notification.objects.count()

    results, errors = _in_threads(lambda: send_due_notifications(at(2026, 3, 7, 6, 1)))

    assert errors == []
    assert sum(report.sent for report in results) == stored
    assert len(mailoutbox) == stored
