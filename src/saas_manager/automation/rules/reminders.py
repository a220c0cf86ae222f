"""The base of the rules that send a notice some days before a date."""

import datetime

from django.utils import timezone

from saas_manager.automation.models import OperatorSettings
from saas_manager.automation.rules.base import (
    Action,
    Rule,
    already_claimed,
    claim,
)
from saas_manager.hosting.models import Instance
from saas_manager.notifications.services import notify


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


class ReminderRule(Rule):
    """Notify the customer some days before a date of an instance in a state.

    A subclass names the state, the date field, the notification event and
    the configured reminder days. The event of each reminder is the date and
    the reminder day, so a date that moves gets its reminders again.
    """

    state: str
    date_field: str
    event: str

    def reminder_days(self, config: OperatorSettings) -> list[int]:
        raise NotImplementedError

    def describe(self, date: datetime.date, days_left: int) -> str:
        raise NotImplementedError

    def context(self, instance: Instance, config: OperatorSettings) -> dict:
        """Return what the notification's template shows beyond the days left."""
        return {}

    def candidates(self, now, config):
        days = self.reminder_days(config)
        if not days:
            return []
        today = timezone.localdate(now)
        return (
            Instance.objects.filter(
                state=self.state,
                **{
                    f"{self.date_field}__gte": today,
                    f"{self.date_field}__lte": today
                    + datetime.timedelta(days=max(days)),
                },
            )
            .order_by(self.date_field, "id")
            .values_list("pk", flat=True)
        )

    def act(self, candidate, now, config):
        today = timezone.localdate(now)
        instance = (
            Instance.objects.select_for_update(of=("self",))
            .select_related("customer", "package")
            .get(pk=candidate)
        )
        date = getattr(instance, self.date_field)
        if instance.state != self.state or date is None:
            return []
        days_left = (date - today).days
        day = reminder_day(days_left, self.reminder_days(config))
        if day is None:
            return []
        key = f"{date.isoformat()}:{day}"
        if already_claimed(self.name, instance, key):
            return []
        description = self.describe(date, days_left)
        claim(self.name, instance, key, now, description)
        notify(
            self.event,
            key=f"{self.name}:{instance.pk}:{key}",
            now=now,
            instance=instance,
            context={
                "days_left": days_left,
                "reminder_day": day,
                **self.context(instance, config),
            },
        )
        return [Action(self.name, str(instance), description)]
