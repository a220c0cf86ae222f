import datetime
from decimal import Decimal

import pytest
import time_machine

from saas_manager.automation.models import AutomationRule
from saas_manager.billing.choices import PaymentStatus
from saas_manager.billing.paid_up import refresh_paid_up_to
from saas_manager.billing.services import record_payment
from saas_manager.hosting.lifecycle import Actor, suspend, terminate
from saas_manager.hosting.models import ActorKind, InstanceState, SuspensionKind
from saas_manager.notifications.models import (
    Audience,
    Notification,
    NotificationEvent,
)
from tests.automation.helpers import at, provisioned, run
from tests.factories import PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _pay(instance, moment, amount="49.00", **fields):
    with time_machine.travel(moment, tick=False):
        return record_payment(instance=instance, amount=amount, at=moment, **fields)


@pytest.fixture
def paying(operator):
    """An Active instance from 10 January 2026, paid up to 9 February."""
    instance = provisioned(at(2026, 1, 10), trial_days=0)
    _pay(instance, at(2026, 1, 10, 9))
    instance.refresh_from_db()
    assert instance.state == InstanceState.ACTIVE
    assert instance.paid_up_to == datetime.date(2026, 2, 9)
    return instance


def _rules(report):
    return [action.rule for action in report.actions]


def test_reminded_overdue_suspended_paid_back(paying):
    early = run(at(2026, 2, 1))
    reminded = run(at(2026, 2, 2))
    in_grace = run(at(2026, 2, 16, 23, 30))
    suspended = run(at(2026, 2, 17, 0, 30))
    paying.refresh_from_db()
    state_after_suspension = paying.state
    kind_after_suspension = paying.suspension_kind
    result = _pay(paying, at(2026, 2, 20, 10))
    told = run(at(2026, 2, 20, 10, 15))

    assert early.actions == []
    assert _rules(reminded) == [AutomationRule.PAYMENT_REMINDER]
    assert in_grace.actions == []
    assert _rules(suspended) == [AutomationRule.OVERDUE_SUSPENSION]
    assert state_after_suspension == InstanceState.SUSPENDED
    assert kind_after_suspension == SuspensionKind.OVERDUE
    assert result.effect == "reactivated"
    assert _rules(told) == ["notices"]
    paying.refresh_from_db()
    assert paying.state == InstanceState.ACTIVE
    assert paying.paid_up_to == datetime.date(2026, 3, 9)
    events = list(paying.events.order_by("at", "id"))
    assert [(e.to_state, e.actor_kind) for e in events[-2:]] == [
        (InstanceState.SUSPENDED, ActorKind.AUTOMATION),
        (InstanceState.ACTIVE, ActorKind.PAYMENT),
    ]
    customer_events = list(
        Notification.objects.filter(audience=Audience.CUSTOMER)
        .order_by("created_at")
        .values_list("event", flat=True)
    )
    assert customer_events == [
        NotificationEvent.PAYMENT_REMINDER,
        NotificationEvent.SUSPENDED_OVERDUE,
        NotificationEvent.REACTIVATED,
    ]


def test_reminder_names_amount_and_date(paying):
    run(at(2026, 2, 2))

    notice = Notification.objects.get(
        event=NotificationEvent.PAYMENT_REMINDER, audience=Audience.CUSTOMER
    )
    assert notice.subject == f"Payment for {paying} due by 9 February 2026"
    assert "49.00 EUR" in notice.text_body
    assert notice.recipients == ["accounts@customer.example"]


def test_suspension_respects_grace_setting(paying, operator):
    operator.grace_period_days = 10
    operator.save()

    seventeenth = run(at(2026, 2, 17))
    twentieth = run(at(2026, 2, 20))

    assert seventeenth.actions == []
    assert _rules(twentieth) == [AutomationRule.OVERDUE_SUSPENSION]


def test_business_date_is_local(paying):
    # 16 February 23:30 UTC is already 17 February in Brussels.
    moment = datetime.datetime(2026, 2, 16, 23, 30, tzinfo=datetime.UTC)

    report = run(moment)

    assert _rules(report) == [AutomationRule.OVERDUE_SUSPENSION]


def test_rule_reactivates_after_imported_payment(paying):
    run(at(2026, 2, 17))
    with time_machine.travel(at(2026, 2, 18), tick=False):
        PaymentFactory(customer=paying.customer, instance=paying, date="2026-02-18")
        refresh_paid_up_to(paying)

    report = run(at(2026, 2, 18, 6, 15))
    again = run(at(2026, 2, 18, 6, 30))

    assert _rules(report) == [AutomationRule.REACTIVATION]
    assert again.actions == []
    paying.refresh_from_db()
    assert paying.state == InstanceState.ACTIVE
    event = paying.events.order_by("-at", "-id").first()
    assert event.actor_kind == ActorKind.AUTOMATION
    assert Notification.objects.filter(event=NotificationEvent.REACTIVATED).count() == 2


def test_partial_payment_keeps_suspension(paying):
    run(at(2026, 2, 17))
    with time_machine.travel(at(2026, 2, 18), tick=False):
        PaymentFactory(
            customer=paying.customer,
            instance=paying,
            amount=Decimal("20.00"),
            date="2026-02-18",
        )
        refresh_paid_up_to(paying)

    report = run(at(2026, 2, 18, 6, 15))

    assert report.actions == []
    paying.refresh_from_db()
    assert paying.state == InstanceState.SUSPENDED


def test_pending_payment_changes_nothing(paying):
    run(at(2026, 2, 17))
    _pay(paying, at(2026, 2, 18), status=PaymentStatus.PENDING)

    report = run(at(2026, 2, 18, 6, 15))

    assert AutomationRule.REACTIVATION not in _rules(report)
    paying.refresh_from_db()
    assert paying.state == InstanceState.SUSPENDED


def test_manual_suspension_never_lifted(paying):
    staff = UserFactory()
    with time_machine.travel(at(2026, 2, 1), tick=False):
        suspend(paying, actor=Actor.staff(staff), reason="Abuse report")
    _pay(paying, at(2026, 2, 2))

    report = run(at(2026, 2, 3))

    assert report.actions == []
    paying.refresh_from_db()
    assert paying.state == InstanceState.SUSPENDED
    assert paying.suspension_kind == SuspensionKind.MANUAL


def test_expired_trial_reactivated_by_rule(operator):
    instance = provisioned(at(2026, 3, 1))
    run(at(2026, 3, 15))
    with time_machine.travel(at(2026, 3, 20), tick=False):
        PaymentFactory(customer=instance.customer, instance=instance, date="2026-03-20")

    report = run(at(2026, 3, 20, 6, 15))

    assert _rules(report) == [AutomationRule.REACTIVATION]
    instance.refresh_from_db()
    assert instance.state == InstanceState.ACTIVE
    assert instance.billing_start == datetime.date(2026, 3, 20)


def test_payment_on_terminated_tells_staff_once(paying):
    staff = UserFactory()
    with time_machine.travel(at(2026, 3, 1), tick=False):
        terminate(paying, actor=Actor.staff(staff), reason="Customer left")
    result = _pay(paying, at(2026, 3, 5))

    first = run(at(2026, 3, 5, 6, 15))
    second = run(at(2026, 3, 5, 6, 30))

    assert result.effect == "terminated_kept"
    assert AutomationRule.REACTIVATION in _rules(first)
    assert AutomationRule.REACTIVATION not in _rules(second)
    paying.refresh_from_db()
    assert paying.state == InstanceState.TERMINATED
    notices = Notification.objects.filter(event=NotificationEvent.PAYMENT_ON_TERMINATED)
    assert [row.audience for row in notices] == [Audience.STAFF]
    assert notices[0].recipients == ["ops@operator.example"]


def test_payment_before_termination_not_reported(paying):
    staff = UserFactory()
    with time_machine.travel(at(2026, 3, 1), tick=False):
        terminate(paying, actor=Actor.staff(staff), reason="Customer left")

    report = run(at(2026, 3, 5))

    assert AutomationRule.REACTIVATION not in _rules(report)


def test_late_record_of_earlier_payment_not_reported(paying):
    staff = UserFactory()
    with time_machine.travel(at(2026, 3, 1), tick=False):
        terminate(paying, actor=Actor.staff(staff), reason="Customer left")
    with time_machine.travel(at(2026, 3, 5), tick=False):
        PaymentFactory(customer=paying.customer, instance=paying, date="2026-02-20")

    report = run(at(2026, 3, 5, 6, 15))

    assert AutomationRule.REACTIVATION not in _rules(report)
