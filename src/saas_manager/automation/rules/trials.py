"""Trial reminders and trial expiry."""

import datetime
import logging

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from saas_manager.automation.models import AutomationRule, OperatorSettings
from saas_manager.automation.rules.base import (
    Action,
    Rule,
    already_claimed,
    claim,
)
from saas_manager.hosting.lifecycle import Actor, expire
from saas_manager.hosting.models import Instance, InstanceState
from saas_manager.notifications.models import NotificationEvent
from saas_manager.notifications.services import notify, notify_instance_event

logger = logging.getLogger(__name__)


def reminder_day(days_left: int, reminder_days: list[int]) -> int | None:
    """Return the reminder whose turn it is with `days_left` days to go.

    That is the smallest reminder day at or above `days_left`. With reminders
    at 7, 3 and 1 days, 5 days left is the 7-day reminder's turn. So a trial
    created 5 days before its end, or a run missed on the 7th day, still gets
    one reminder, and a reminder whose turn has passed is skipped.
    """
    if days_left < 0:
        return None
    due = [day for day in reminder_days if day >= days_left]
    return min(due) if due else None


class TrialReminders(Rule):
    """Tell the customer some days before the trial ends (7, 3 and 1 by default)."""

    name = AutomationRule.TRIAL_REMINDER

    def candidates(self, now, config):
        days = config.trial_reminders
        if not days:
            return []
        today = timezone.localdate(now)
        return (
            Instance.objects.filter(
                state=InstanceState.TRIAL,
                trial_end_date__gte=today,
                trial_end_date__lte=today + datetime.timedelta(days=max(days)),
            )
            .order_by("trial_end_date", "id")
            .values_list("pk", flat=True)
        )

    def act(self, candidate, now, config):
        today = timezone.localdate(now)
        instance = (
            Instance.objects.select_for_update(of=("self",))
            .select_related("customer", "package")
            .get(pk=candidate)
        )
        if instance.state != InstanceState.TRIAL or instance.trial_end_date is None:
            return []
        days_left = (instance.trial_end_date - today).days
        day = reminder_day(days_left, config.trial_reminders)
        if day is None:
            return []
        key = f"{instance.trial_end_date.isoformat()}:{day}"
        if already_claimed(self.name, instance, key):
            return []
        description = ngettext(
            "remind that the trial ends on %(date)s, in %(days)d day",
            "remind that the trial ends on %(date)s, in %(days)d days",
            days_left,
        ) % {"date": instance.trial_end_date.isoformat(), "days": days_left}
        claim(self.name, instance, key, now, description)
        notify(
            NotificationEvent.TRIAL_REMINDER,
            key=f"trial_reminder:{instance.pk}:{key}",
            now=now,
            instance=instance,
            context={
                "days_left": days_left,
                "reminder_day": day,
                "trial_end_date": instance.trial_end_date,
            },
        )
        return [Action(self.name, str(instance), description)]


class TrialExpiry(Rule):
    """Move a Trial instance to Expired the day after its trial end date."""

    name = AutomationRule.TRIAL_EXPIRY

    def candidates(self, now, config):
        today = timezone.localdate(now)
        return (
            Instance.objects.filter(state=InstanceState.TRIAL, trial_end_date__lt=today)
            .order_by("trial_end_date", "id")
            .values_list("pk", flat=True)
        )

    def act(self, candidate, now, config: OperatorSettings):
        today = timezone.localdate(now)
        instance = Instance.objects.select_for_update().get(pk=candidate)
        trial_end = instance.trial_end_date
        if instance.state != InstanceState.TRIAL or trial_end is None:
            return []
        if trial_end >= today:
            return []
        key = trial_end.isoformat()
        description = _("expire the trial that ended on %(date)s") % {
            "date": trial_end.isoformat()
        }
        claim(self.name, instance, key, now, description)
        event = expire(
            instance,
            actor=Actor.automation(),
            reason=_("The trial ended on %(date)s.") % {"date": trial_end.isoformat()},
            at=now,
        )
        notify_instance_event(event, now)
        return [Action(self.name, str(instance), description)]
