"""Trial reminders and trial expiry."""

import logging

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from saas_manager.automation.models import AutomationRule, OperatorSettings
from saas_manager.automation.rules.base import (
    Action,
    Rule,
    claim,
)
from saas_manager.automation.rules.reminders import ReminderRule
from saas_manager.hosting.lifecycle import Actor, expire
from saas_manager.hosting.models import Instance, InstanceState
from saas_manager.notifications.models import NotificationEvent
from saas_manager.notifications.services import notify_instance_event

logger = logging.getLogger(__name__)


class TrialReminders(ReminderRule):
    """Tell the customer some days before the trial ends (7, 3 and 1 by default)."""

    name = AutomationRule.TRIAL_REMINDER
    state = InstanceState.TRIAL
    date_field = "trial_end_date"
    event = NotificationEvent.TRIAL_REMINDER

    def reminder_days(self, config):
        return config.trial_reminders

    def describe(self, date, days_left):
        return ngettext(
            "remind that the trial ends on %(date)s, in %(days)d day",
            "remind that the trial ends on %(date)s, in %(days)d days",
            days_left,
        ) % {"date": date.isoformat(), "days": days_left}

    def context(self, instance, config):
        return {"trial_end_date": instance.trial_end_date}


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
