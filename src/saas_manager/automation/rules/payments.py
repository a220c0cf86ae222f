"""Payment reminders, overdue suspension and reactivation after payment."""

import datetime
import logging

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from saas_manager.automation.models import AutomationRule
from saas_manager.automation.rules.base import (
    Action,
    Rule,
    already_claimed,
    claim,
)
from saas_manager.automation.rules.reminders import ReminderRule
from saas_manager.billing.choices import PaymentKind, PaymentStatus
from saas_manager.billing.models import Payment
from saas_manager.billing.paid_up import compute_position, is_overdue
from saas_manager.billing.services import PaymentEffect, reactivate_if_paid
from saas_manager.hosting.lifecycle import Actor, suspend
from saas_manager.hosting.models import Instance, InstanceState, SuspensionKind
from saas_manager.notifications.models import NotificationEvent
from saas_manager.notifications.services import (
    CATCH_UP_DAYS,
    notify,
    notify_instance_event,
)

logger = logging.getLogger(__name__)


class PaymentReminders(ReminderRule):
    """Tell the customer some days before the paid period of an Active instance ends."""

    name = AutomationRule.PAYMENT_REMINDER
    state = InstanceState.ACTIVE
    date_field = "paid_up_to"
    event = NotificationEvent.PAYMENT_REMINDER

    def reminder_days(self, config):
        return config.payment_reminders

    def describe(self, date, days_left):
        return ngettext(
            "remind that the paid period ends on %(date)s, in %(days)d day",
            "remind that the paid period ends on %(date)s, in %(days)d days",
            days_left,
        ) % {"date": date.isoformat(), "days": days_left}

    def context(self, instance, config):
        position = compute_position(instance)
        return {
            "paid_up_to": instance.paid_up_to,
            "next_period": position.next_period,
            "amount_due": position.amount_due,
            "grace_period_days": config.grace_period_days,
        }


class OverdueSuspension(Rule):
    """Suspend an Active instance whose paid-up day plus the grace period is past.

    The event is the paid-up day: an instance that staff reactivate by hand
    while it is still overdue is not suspended again for the same day, only
    once a later paid-up day is overdue in turn.
    """

    name = AutomationRule.OVERDUE_SUSPENSION

    def candidates(self, now, config):
        today = timezone.localdate(now)
        latest_paid_up_to = today - datetime.timedelta(days=config.grace_period_days)
        return (
            Instance.objects.filter(
                state=InstanceState.ACTIVE, paid_up_to__lt=latest_paid_up_to
            )
            .order_by("paid_up_to", "id")
            .values_list("pk", flat=True)
        )

    def act(self, candidate, now, config):
        today = timezone.localdate(now)
        grace = datetime.timedelta(days=config.grace_period_days)
        instance = Instance.objects.select_for_update().get(pk=candidate)
        if instance.state != InstanceState.ACTIVE:
            return []
        if not is_overdue(instance.paid_up_to, today, grace):
            return []
        key = instance.paid_up_to.isoformat()
        if already_claimed(self.name, instance, key):
            return []
        description = _("suspend: paid up to %(date)s, grace period %(days)d days") % {
            "date": key,
            "days": config.grace_period_days,
        }
        claim(self.name, instance, key, now, description)
        event = suspend(
            instance, actor=Actor.automation(), kind=SuspensionKind.OVERDUE, at=now
        )
        notify_instance_event(event, now)
        return [Action(self.name, str(instance), description)]


class Reactivation(Rule):
    """Reactivate the Expired and overdue-suspended instances that money covers.

    Whether the money covers the instance is decided by the billing service
    that recording a payment also uses. A completed payment that arrives for
    a Terminated instance reactivates nothing, and staff get a notification.
    """

    name = AutomationRule.REACTIVATION

    def candidates(self, now, config):
        instances = (
            Instance.objects.filter(state=InstanceState.EXPIRED)
            | Instance.objects.filter(
                state=InstanceState.SUSPENDED, suspension_kind=SuspensionKind.OVERDUE
            )
        ).order_by("id")
        return [
            *(("instance", pk) for pk in instances.values_list("pk", flat=True)),
            *(("payment", pk) for pk in self._payments_on_terminated(now)),
        ]

    def subject_of(self, candidate) -> str:
        kind, pk = candidate
        return f"{kind} {pk}"

    def _payments_on_terminated(self, now):
        since = now - datetime.timedelta(days=CATCH_UP_DAYS)
        return (
            Payment.objects.filter(
                kind=PaymentKind.PAYMENT,
                status=PaymentStatus.COMPLETED,
                instance__state=InstanceState.TERMINATED,
                updated_at__gte=since,
            )
            .order_by("id")
            .values_list("pk", flat=True)
        )

    def act(self, candidate, now, config):
        kind, pk = candidate
        if kind == "payment":
            return self._tell_payment_on_terminated(pk, now)
        return self._reactivate(pk, now)

    def _event_key(self, instance: Instance) -> str:
        if instance.state == InstanceState.SUSPENDED:
            since = instance.suspended_at.isoformat() if instance.suspended_at else ""
            return f"suspended:{since}"
        expired = (
            instance.events.filter(to_state=InstanceState.EXPIRED)
            .order_by("-at", "-id")
            .values_list("pk", flat=True)
            .first()
        )
        return f"expired:{expired}"

    def _reactivate(self, pk, now):
        instance = (
            Instance.objects.select_for_update(of=("self",))
            .select_related("customer", "package")
            .get(pk=pk)
        )
        overdue_suspension = (
            instance.state == InstanceState.SUSPENDED
            and instance.suspension_kind == SuspensionKind.OVERDUE
        )
        if instance.state != InstanceState.EXPIRED and not overdue_suspension:
            return []
        key = self._event_key(instance)
        result = reactivate_if_paid(instance, at=now)
        if result is None or result.effect != PaymentEffect.REACTIVATED:
            return []
        description = _("reactivate: paid up to %(date)s") % {
            "date": result.position.paid_up_to.isoformat()
            if result.position and result.position.paid_up_to
            else "-"
        }
        # After the transition, because only then is it known that the money
        # covers the instance; AlreadyHandled rolls the transition back.
        claim(self.name, instance, key, now, description)
        notify_instance_event(result.event, now)
        return [Action(self.name, str(instance), description)]

    def _tell_payment_on_terminated(self, pk, now):
        payment = Payment.objects.select_related(
            "instance__customer", "instance__package"
        ).get(pk=pk)
        instance = Instance.objects.select_for_update().get(pk=payment.instance_id)
        if instance.state != InstanceState.TERMINATED:
            return []
        terminated_at = (
            instance.events.filter(to_state=InstanceState.TERMINATED)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        # A payment dated before the termination paid for the time the
        # instance ran, even when it was recorded or completed later.
        if terminated_at is not None and (
            payment.updated_at < terminated_at
            or payment.date < timezone.localdate(terminated_at)
        ):
            return []
        key = f"payment:{payment.pk}"
        if already_claimed(self.name, instance, key):
            return []
        description = _(
            "notify staff that payment %(payment)s arrived after termination"
        ) % {"payment": payment.pk}
        claim(self.name, instance, key, now, description)
        notify(
            NotificationEvent.PAYMENT_ON_TERMINATED,
            key=f"payment_on_terminated:{payment.pk}",
            now=now,
            instance=payment.instance,
            context={"payment": payment},
        )
        return [Action(self.name, str(instance), description)]
