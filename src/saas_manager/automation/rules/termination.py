"""Termination after a long suspension, when the operator turned it on.

Only suspensions made for an overdue payment count: a suspension made by
hand (abuse, a customer's request) is ended by hand too. The warning goes
out `termination_warning_days` after the suspension, and the termination
follows `termination_days` after it. The termination never comes sooner
after the warning than the gap between the two settings. So a customer
always has that long to pay, even when the operator turned the rule on
during a long suspension.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from saas_manager.automation.models import AutomationRule, RuleExecution
from saas_manager.automation.rules.base import Action, Rule, already_claimed, claim
from saas_manager.hosting.lifecycle import Actor, terminate
from saas_manager.hosting.models import Instance, InstanceState, SuspensionKind
from saas_manager.notifications.models import NotificationEvent
from saas_manager.notifications.services import notify, notify_instance_event


def _long_suspensions(now, config, min_days: int):
    if not config.auto_termination_enabled:
        return []
    today = timezone.localdate(now)
    # The suspension day is a business date, so compare local dates and let
    # the query only narrow the rows down, a day early to be safe.
    cutoff = now - datetime.timedelta(days=min_days - 1)
    candidates = Instance.objects.filter(
        state=InstanceState.SUSPENDED,
        suspension_kind=SuspensionKind.OVERDUE,
        suspended_at__lte=cutoff,
    ).order_by("suspended_at", "id")
    return [
        instance.pk
        for instance in candidates
        if (today - timezone.localdate(instance.suspended_at)).days >= min_days
    ]


def _lock_suspended(pk) -> Instance | None:
    instance = (
        Instance.objects.select_for_update(of=("self",))
        .select_related("customer", "package")
        .get(pk=pk)
    )
    if instance.state != InstanceState.SUSPENDED:
        return None
    if instance.suspension_kind != SuspensionKind.OVERDUE:
        return None
    return instance


def termination_date(instance: Instance, warned_on: datetime.date, config):
    """Return the first day the instance may be terminated after its warning."""
    suspended_on = timezone.localdate(instance.suspended_at)
    gap = config.termination_days - config.termination_warning_days
    return max(
        suspended_on + datetime.timedelta(days=config.termination_days),
        warned_on + datetime.timedelta(days=gap),
    )


class TerminationWarning(Rule):
    """Warn the customer that a long overdue suspension ends in termination."""

    name = AutomationRule.TERMINATION_WARNING

    def candidates(self, now, config):
        return _long_suspensions(now, config, config.termination_warning_days)

    def act(self, candidate, now, config):
        instance = _lock_suspended(candidate)
        if instance is None:
            return []
        key = instance.suspended_at.isoformat()
        if already_claimed(self.name, instance, key):
            return []
        today = timezone.localdate(now)
        ends_on = termination_date(instance, today, config)
        description = _("warn of termination on %(date)s") % {
            "date": ends_on.isoformat()
        }
        claim(self.name, instance, key, now, description)
        notify(
            NotificationEvent.TERMINATION_WARNING,
            key=f"termination_warning:{instance.pk}:{key}",
            now=now,
            instance=instance,
            context={
                "suspended_at": instance.suspended_at,
                "termination_date": ends_on,
            },
        )
        return [Action(self.name, str(instance), description)]


class Termination(Rule):
    """Terminate an instance whose overdue suspension outlasted its warning."""

    name = AutomationRule.TERMINATION

    def candidates(self, now, config):
        return _long_suspensions(now, config, config.termination_days)

    def act(self, candidate, now, config):
        instance = _lock_suspended(candidate)
        if instance is None:
            return []
        key = instance.suspended_at.isoformat()
        warning = (
            RuleExecution.objects.filter(
                rule=AutomationRule.TERMINATION_WARNING,
                instance=instance,
                event_key=key,
            )
            .values_list("run_for", flat=True)
            .first()
        )
        if warning is None:
            # The warning rule runs before this one in every run, so the
            # warning goes out first and the termination comes in a later run.
            return []
        today = timezone.localdate(now)
        if today < termination_date(instance, timezone.localdate(warning), config):
            return []
        suspended_on = timezone.localdate(instance.suspended_at).isoformat()
        description = _(
            "terminate: suspended for an overdue payment since %(date)s"
        ) % {"date": suspended_on}
        claim(self.name, instance, key, now, description)
        event = terminate(
            instance,
            actor=Actor.automation(),
            reason=_(
                "Suspended for an overdue payment since %(date)s, terminated after "
                "%(days)d days."
            )
            % {"date": suspended_on, "days": config.termination_days},
            at=now,
        )
        notify_instance_event(event, now)
        return [Action(self.name, str(instance), description)]
