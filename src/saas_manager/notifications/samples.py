"""A context for each event built from a real instance, for template previews.

The automation passes the real values of an event; a preview has no event, so
these values come from the instance where it has them and are made up where
it does not (an instance that is not in trial has no trial end date).
"""

import datetime

from django.utils import timezone

from saas_manager.automation.models import Alert, AlertKind
from saas_manager.automation.operator import get_operator_settings
from saas_manager.notifications.models import NotificationEvent
from saas_manager.notifications.rendering import base_context

ALERT_KINDS: dict[str, str] = {
    NotificationEvent.ALERT_PROVISIONING_TIMEOUT: AlertKind.PROVISIONING_TIMEOUT,
    NotificationEvent.ALERT_PAYMENT_PENDING: AlertKind.PAYMENT_PENDING,
    NotificationEvent.ALERT_USERS_OVER_LIMIT: AlertKind.USERS_OVER_LIMIT,
    NotificationEvent.ALERT_STORAGE_OVER_LIMIT: AlertKind.STORAGE_OVER_LIMIT,
    NotificationEvent.ALERT_STORAGE_HIGH: AlertKind.STORAGE_HIGH,
    NotificationEvent.ALERT_BACKUP_OUTDATED: AlertKind.BACKUP_OUTDATED,
}


def sample_context(event: str, instance, now: datetime.datetime | None = None):
    """Return the context an event would have for the instance at `now`."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    operator = get_operator_settings()
    context = base_context(event, instance=instance, now=now)
    trial_end = instance.trial_end_date or today + datetime.timedelta(days=7)
    paid_up_to = instance.paid_up_to or today + datetime.timedelta(days=7)
    suspended_at = instance.suspended_at or now
    payment = instance.payments.order_by("-date", "-id").first()
    context.update(
        {
            "trial_end_date": trial_end,
            "paid_up_to": paid_up_to,
            "days_left": max((trial_end - today).days, 0)
            if event == NotificationEvent.TRIAL_REMINDER
            else max((paid_up_to - today).days, 0),
            "grace_period_days": operator.grace_period_days,
            "suspended_at": suspended_at,
            "termination_date": timezone.localdate(suspended_at)
            + datetime.timedelta(days=operator.termination_days),
            "reason": "",
            "payment": payment,
        }
    )
    if event in ALERT_KINDS:
        context["alert"] = Alert(
            kind=ALERT_KINDS[event],
            instance=instance,
            payment=payment,
            detail=f"{instance}: {AlertKind(ALERT_KINDS[event]).label}",
            raised_at=now,
        )
    return context
